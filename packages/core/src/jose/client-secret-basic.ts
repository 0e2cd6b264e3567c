/**
 * The `Authorization` header of client_secret_basic (RFC 6749 §2.3.1): the client id and secret
 * each `application/x-www-form-urlencoded` (Appendix B: a space is `+`), joined by `:`, base64.
 * One encoding for every caller of a token service (the revocation feed, the gateway's token
 * requests and decision pushes, its login, the CLI), so an id or secret with `:`, `+` or a space
 * reads the same everywhere. It lives beside the revocation feed, its first user in core.
 *
 * @example
 * ```ts
 * headers.authorization = clientSecretBasic('gate way', 's3cret'); // "Basic Z2F0ZSt3YXk6czNjcmV0"
 * ```
 */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const form = (value: string) => new URLSearchParams([['v', value]]).toString().slice(2);
  return `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`;
}
