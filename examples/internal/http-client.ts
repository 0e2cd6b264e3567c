import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A response read whole. `json` is the parsed body, or `undefined` when it is not JSON. */
export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** Options of {@link httpCall}. */
export interface HttpCallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Extra trusted CA certificates (PEM) for HTTPS, e.g. an example's self-signed certificate. */
  ca?: string | string[];
  /** Client certificate and key for mutual TLS. */
  cert?: string;
  key?: string;
  timeoutMs?: number;
}

/**
 * One HTTP(S) request on node:http(s), body read whole. Used by the example services to call each
 * other, so an example's certificate authority can be trusted without touching global state.
 *
 * @example
 * ```ts
 * const res = await httpCall('https://127.0.0.1:8443/scenario3-server', { headers: { authorization: `Bearer ${token}` }, ca });
 * ```
 */
export function httpCall(url: string, options: HttpCallOptions = {}): Promise<HttpResult> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.cert === undefined ? {} : { cert: options.cert, key: options.key }),
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
