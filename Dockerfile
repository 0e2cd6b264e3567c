# Tessera's container image: one image, every server (`tessera token-service`, `tessera gateway`,
# `tessera jwks serve`, ...). The runtime stage's folder is made by scripts/build-runtime.sh, which
# test/e2e/runtime-image.test.ts also runs and starts read-only as an unprivileged user: keep the
# steps in the script, not here, so the recipe and its test stay one.
#
#   docker build -t tessera .
#   docker run --read-only -v tessera-data:/var/lib/tessera -p 7400:7400 tessera token-service
#   docker run --read-only -v ./gateway:/etc/tessera:ro -p 8080:8080 \
#     -e TESSERA_HEALTH_URL=http://127.0.0.1:15000/healthz tessera gateway --config /etc/tessera/gateway.yaml

FROM node:20-bookworm AS build
WORKDIR /src
COPY . .
# npm ci installs the dev dependencies and builds every package (the prepare script).
RUN npm ci --no-audit --no-fund && scripts/build-runtime.sh /opt/tessera

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PATH=/opt/tessera/node_modules/.bin:$PATH \
    TESSERA_HOST=0.0.0.0 \
    TESSERA_DATA_DIR=/var/lib/tessera
# Root owns the code (read-only to the server); the data folder belongs to the unprivileged `node`
# user (uid 1000) and is a volume, so the root filesystem can be mounted read-only.
COPY --from=build /opt/tessera /opt/tessera
RUN mkdir -p /var/lib/tessera && chown node:node /var/lib/tessera && chmod 0700 /var/lib/tessera
USER node
WORKDIR /var/lib/tessera
VOLUME ["/var/lib/tessera"]
# Token service (7400), its operations listener (7403: /metrics, /healthz, /readyz), gateway (8080)
# and its admin listener (15000).
EXPOSE 7400 7403 8080 15000
# The servers drain on SIGTERM (server.shutdownTimeoutMs), then exit 0.
STOPSIGNAL SIGTERM
# The token service's /readyz by default; a gateway sets TESSERA_HEALTH_URL to its admin /healthz.
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s --retries=3 CMD ["tessera", "health"]
ENTRYPOINT ["tessera"]
CMD ["token-service"]
