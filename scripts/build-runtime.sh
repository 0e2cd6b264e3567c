#!/usr/bin/env bash
# Installs Tessera for production into a folder: the four packages from this checkout's packed
# tarballs (the workspace must be built: npm ci / npm run build), their production dependencies,
# and the storage drivers pg and ioredis (optional peers of the token service, wanted in an image).
# No dev dependencies, no TypeScript, no sources. The Dockerfile RUNs this script, and
# test/e2e/runtime-image.test.ts runs it too and starts the result read-only as an unprivileged
# user, so the image recipe and its test cannot drift.
# Usage: scripts/build-runtime.sh OUT_DIR        (then OUT_DIR/node_modules/.bin/tessera)
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
if [ ! -f "$root/packages/cli/dist/bin.js" ]; then
  echo "$0: the workspace is not built: run npm ci (or npm run build) first" >&2
  exit 1
fi

tarballs="$(mktemp -d)"
trap 'rm -rf "$tarballs"' EXIT
# The four packages (apps/console is built into the token service's package, not shipped on its own).
(cd "$root" && npm pack -w packages/core -w packages/token-service -w packages/gateway -w packages/cli \
  --ignore-scripts --loglevel=error --pack-destination "$tarballs" >/dev/null)

# The drivers at the versions the repository tests with (its devDependencies).
driver() { node -p "require(process.argv[1]).devDependencies[process.argv[2]]" "$root/package.json" "$1"; }

printf '{ "name": "tessera-runtime", "private": true, "type": "module" }\n' >"$out/package.json"
cd "$out"
npm install --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error \
  "$tarballs"/*.tgz "pg@$(driver pg)" "ioredis@$(driver ioredis)"
# A smoke check: the installed bin starts.
node_modules/.bin/tessera --version >/dev/null
echo "tessera installed in $out (run $out/node_modules/.bin/tessera)"
