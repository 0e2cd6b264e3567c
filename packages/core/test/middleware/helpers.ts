// Shared fixtures for the middleware tests: a real verifier (createVerifier + signJwt) on a fixed
// injected clock, and a raw HTTP client (net) for requests fetch refuses to send.
import { connect } from 'node:net';
import {
  createVerifier,
  generateKey,
  importSigningKey,
  signJwt,
  type JwtPayload,
  type TesseraVerifier,
} from '@tessera/core';

export const NOW = Date.UTC(2026, 0, 1);
export const clock = () => NOW;
export const ISSUER = 'https://issuer.test';

const key = generateKey('ES256');
// Another key under the same kid: a forgery the verifier must catch by the signature.
const forger = importSigningKey(generateKey('ES256').privateJwk, 'ES256', { kid: key.kid });

export function makeVerifier(): TesseraVerifier {
  return createVerifier({ issuer: ISSUER, keys: { keys: [key.publicJwk] }, audience: 'orders', clock, cache: false });
}

/** A token the verifier accepts, with `claims` on top. */
export function token(
  claims: JwtPayload = {},
  options: { at?: number; expiresIn?: number; foreignKey?: boolean } = {},
): string {
  return signJwt({ sub: 'svc-a', ...claims }, options.foreignKey ? forger : key.signingKey, {
    issuer: ISSUER,
    audience: 'orders',
    expiresIn: options.expiresIn ?? 300,
    clock: () => options.at ?? NOW,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` as is (request line and headers, CRLF-separated) and reads the whole answer. */
export function rawRequest(port: number, lines: readonly string[]): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of headerLines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write([...lines, 'Host: 127.0.0.1', 'Connection: close', '', ''].join('\r\n'));
  });
}
