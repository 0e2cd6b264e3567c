import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

// RFC 6238 Appendix B's SHA-1 secret ("12345678901234567890") and its 8-digit vectors, cut to the
// 6 digits authenticator apps show (RFC 4226 §5.3: the low digits).
const RFC_SECRET = Secret.fromUTF8('12345678901234567890').base32;
const VECTORS: [seconds: number, code: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
];

test('TOTP codes are RFC 6238 Appendix B, and a code matches within one step either side of the clock', () => {
  for (const [seconds, code] of VECTORS) {
    const six = code.slice(-6);
    const step = Math.floor(seconds / 30);
    assert.equal(matchTotp(RFC_SECRET, six, seconds * 1000, -1), step, `T=${seconds}`);
    assert.equal(matchTotp(RFC_SECRET, six, (seconds + 30) * 1000, -1), step, 'one step late: accepted');
    assert.equal(matchTotp(RFC_SECRET, six, (seconds - 30) * 1000, -1), step, 'one step early: accepted');
    assert.equal(matchTotp(RFC_SECRET, six, (seconds + 61) * 1000, -1), undefined, 'two steps late: refused');
  }
});

test('a code is refused when its step, or a later one, was used already (RFC 6238 §5.2)', () => {
  const secret = newTotpSecret();
  const now = 1_800_000_000_000;
  const code = (ms: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: ms });
  const step = matchTotp(secret, code(now), now, -1)!;
  assert.equal(matchTotp(secret, code(now), now, step), undefined, 'replayed');
  assert.equal(matchTotp(secret, code(now - 30_000), now, step), undefined, 'an older code after a newer one');
  assert.equal(matchTotp(secret, code(now + 30_000), now, step), step + 1, 'the next step is fresh');
  assert.equal(matchTotp(secret, '12345', now, -1), undefined, 'five digits');
  assert.equal(matchTotp(secret, '１２３４５６', now, -1), undefined, 'not ASCII digits');
  assert.equal(matchTotp(newTotpSecret(), code(now), now, -1), undefined, "another user's secret");
});

test('the otpauth link names the issuer, the account and the secret', () => {
  const uri = new URL(totpUri('JBSWY3DPEHPK3PXP', 'Tessera', 'alice'));
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
  assert.equal(uri.searchParams.get('issuer'), 'Tessera');
  assert.match(decodeURIComponent(uri.pathname), /Tessera:alice$/);
  assert.equal(newTotpSecret().length, 32, '160 bits in base32');
});
