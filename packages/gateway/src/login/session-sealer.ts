import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** Seals a session into a cookie value and opens it again. */
export interface SessionSealer {
  /** Encrypts and authenticates `plaintext` for `purpose`; base64url. */
  seal(plaintext: Buffer, purpose: string): string;
  /** The bytes sealed for `purpose` by any of the keys, or undefined (tampered, truncated, other purpose or key). */
  open(sealed: string, purpose: string): Buffer | undefined;
}

const VERSION = 1;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Creates a sealer over one or more secrets (the first seals; all open, so a rotated-in key does
 * not log everyone out while the old one is still listed). Each secret becomes an AES-256-GCM key
 * by HKDF-SHA256, so a passphrase of any length works; the purpose (the ExtAuthPolicy and what the
 * cookie holds) is the associated data, so a session sealed for one policy or one use opens for no
 * other. Layout: version (1 byte) · key id (4) · IV (12) · tag (16) · ciphertext. node:crypto is
 * the whole job here; a JWE library would add a format nobody else reads.
 *
 * @example
 * ```ts
 * const sealer = createSessionSealer([secret]);
 * const cookie = sealer.seal(Buffer.from('alice'), 'default/webui-auth0 session');
 * sealer.open(cookie, 'default/webui-auth0 session'); // <Buffer 61 6c 69 63 65>
 * ```
 */
export function createSessionSealer(secrets: readonly (string | Buffer)[]): SessionSealer {
  if (secrets.length === 0) throw new Error('a session sealer needs at least one key');
  const keys = secrets.map((s) => {
    const key = Buffer.from(hkdfSync('sha256', s, 'tessera-gateway-session', 'aes-256-gcm', 32));
    return { key, id: createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES) };
  });
  const current = keys[0]!;
  return {
    seal(plaintext, purpose) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), current.id, iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed, purpose) {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) return undefined;
      const id = raw.subarray(1, 1 + KEY_ID_BYTES);
      const k = keys.find((candidate) => candidate.id.equals(id));
      if (k === undefined) return undefined;
      const iv = raw.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES);
      const tag = raw.subarray(1 + KEY_ID_BYTES + IV_BYTES, 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', k.key, iv);
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(tag);
        return Buffer.concat([
          decipher.update(raw.subarray(1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        return undefined;
      }
    },
  };
}
