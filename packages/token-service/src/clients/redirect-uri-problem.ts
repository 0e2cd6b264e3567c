const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What is wrong with a redirect URI a client registers, or `undefined`: it must be absolute, with
 * no fragment (RFC 6749 §3.1.2) and no userinfo (which hides the real host from a reader), over
 * https, or http to a loopback host only (RFC 8252 §7.3, OAuth 2.1 §7.5.1). The authorization
 * endpoint then compares what a request presents with the registered strings exactly.
 *
 * @example
 * ```ts
 * redirectUriProblem('http://app.example/cb'); // 'http is allowed only to a loopback host …'
 * ```
 */
export function redirectUriProblem(value: string): string | undefined {
  if (!URL.canParse(value)) return 'not an absolute URL';
  const url = new URL(value);
  if (value.includes('#')) return 'a redirect URI has no fragment (RFC 6749 §3.1.2)';
  if (url.username !== '' || url.password !== '' || /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value))
    return 'a redirect URI has no userinfo';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (LOOPBACK.has(url.hostname)) return undefined;
    return 'http is allowed only to a loopback host (localhost, 127.0.0.1, [::1]); use https';
  }
  return 'the scheme must be https (or http to a loopback host)';
}
