// Bounded JSON GET for remote JWKS and discovery documents, on node:http(s) so that redirects,
// size and time are under our control (no dependency, custom CA through an Agent).
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Why a fetch failed; callers turn it into their own TesseraError. */
export type FetchFailureReason = 'timeout' | 'network' | 'status' | 'too_large' | 'redirect' | 'json' | 'aborted';

export class FetchFailure extends Error {
  constructor(
    readonly reason: FetchFailureReason,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FetchFailure';
  }
}

export interface FetchJsonOptions {
  readonly timeoutDuration: number;
  readonly maxResponseBytes: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Agent for http: or https: (e.g. `new https.Agent({ ca })`). */
  readonly agent?: HttpAgent;
  /** `same-origin` follows redirects only to the same scheme, host and port; `none` follows none. */
  readonly redirect: 'same-origin' | 'none';
  readonly signal?: AbortSignal;
  readonly accept: string;
}

const MAX_REDIRECTS = 3;

/** GETs `url` and parses the 200 body as JSON; any other outcome throws a {@link FetchFailure}. */
export async function fetchJson(url: URL, options: FetchJsonOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(options.timeoutDuration);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  let current = url;
  for (let hop = 0; ; hop++) {
    const response = await get(current, options, signal, timeout);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location !== undefined) {
      response.destroy();
      let next: URL;
      try {
        next = new URL(response.headers.location, current);
      } catch {
        throw new FetchFailure('redirect', `${status} redirect to an invalid location`, status);
      }
      // A key set must come from where it was configured: never follow a redirect to another host
      // (an open redirect there would let anyone serve us keys).
      if (options.redirect === 'none' || next.origin !== current.origin) {
        throw new FetchFailure(
          'redirect',
          `refused ${status} redirect from ${current.origin} to ${next.origin}`,
          status,
        );
      }
      if (hop >= MAX_REDIRECTS) throw new FetchFailure('redirect', `more than ${MAX_REDIRECTS} redirects`, status);
      current = next;
      continue;
    }
    if (status !== 200) {
      response.destroy();
      throw new FetchFailure('status', `answered HTTP ${status}, expected 200`, status);
    }
    const text = await readBody(response, options.maxResponseBytes, signal, timeout, options.timeoutDuration);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new FetchFailure('json', 'the body is not JSON', status, { cause: error });
    }
  }
}

function abortReason(signal: AbortSignal, timeout: AbortSignal, ms: number): FetchFailure {
  return signal === timeout || timeout.aborted
    ? new FetchFailure('timeout', `no complete answer within ${ms} ms`)
    : new FetchFailure('aborted', 'the fetch was aborted');
}

function get(
  url: URL,
  options: FetchJsonOptions,
  signal: AbortSignal,
  timeout: AbortSignal,
  retried = false,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal, timeout, options.timeoutDuration));
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: 'GET',
      headers: { accept: options.accept, 'user-agent': 'tessera', ...options.headers },
      agent: options.agent,
      signal,
    });
    req.on('response', resolve);
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed meanwhile: retry once on a new connection (the
      // pattern node:http documents for `request.reusedSocket`); a GET is safe to repeat.
      if (!retried && req.reusedSocket && error.code === 'ECONNRESET' && !signal.aborted) {
        get(url, options, signal, timeout, true).then(resolve, reject);
        return;
      }
      reject(
        signal.aborted
          ? abortReason(signal, timeout, options.timeoutDuration)
          : new FetchFailure('network', `request failed: ${error.message}`, undefined, { cause: error }),
      );
    });
    req.end();
  });
}

function readBody(
  response: IncomingMessage,
  max: number,
  signal: AbortSignal,
  timeout: AbortSignal,
  ms: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      response.destroy();
      return reject(new FetchFailure('too_large', `the body is larger than ${max} bytes`, 200));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: FetchFailure) => {
      if (settled) return;
      settled = true;
      response.destroy();
      reject(error);
    };
    const onAbort = () => fail(abortReason(signal, timeout, ms));
    signal.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Count while streaming and stop at the cap: never buffer an unbounded body.
      if (size > max) return fail(new FetchFailure('too_large', `the body is larger than ${max} bytes`, 200));
      chunks.push(chunk);
    });
    response.on('error', (error) =>
      fail(
        signal.aborted
          ? abortReason(signal, timeout, ms)
          : new FetchFailure('network', `reading the body failed: ${error.message}`, 200, { cause: error }),
      ),
    );
    response.on('aborted', () =>
      fail(new FetchFailure('network', 'the connection closed before the body was complete', 200)),
    );
    response.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    response.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      if (!settled && !response.complete)
        fail(new FetchFailure('network', 'the connection closed before the body was complete', 200));
    });
  });
}
