// Private keys at rest (issue 3, "Storage"): AES-256-GCM under a 32-byte key-encryption key (KEK),
// a fresh 96-bit IV per write (NIST SP 800-38D §8.2), and the kid as additional authenticated data
// so a ciphertext moved to another record does not decrypt. The KEK comes from the config, from
// TESSERA_KEK, from `kekFile`, or from a `kek` file generated in the data directory with mode 0600.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import type { Jwk } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';

const PREFIX = 'A256GCM.v1';

/** Encrypts and decrypts private JWKs, and other secrets at rest (users' TOTP secrets), for one KEK. */
export interface KeyCipher {
  encrypt(kid: string, jwk: Jwk): string;
  /** `where` names the file or table for the error message. */
  decrypt(kid: string, sealed: string, where: string): Jwk;
  /** Seals a secret for `purpose` (the associated data: a value sealed for one user opens for no other). */
  seal(purpose: string, secret: string): string;
  /** The secret sealed for `purpose`; `ERR_STORE_KEK_INVALID` when it does not open. */
  open(purpose: string, sealed: string): string;
}

function decodeKek(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9_-]{43}$/.test(trimmed)) {
    throw tokenServiceErrors.create(
      'ERR_STORE_KEK_INVALID',
      `the key-encryption key from ${source} must be base64url of exactly 32 bytes (43 characters)`,
    );
  }
  const key = Buffer.from(trimmed, 'base64url');
  if (key.length !== 32 || key.toString('base64url') !== trimmed) {
    throw tokenServiceErrors.create(
      'ERR_STORE_KEK_INVALID',
      `the key-encryption key from ${source} must be base64url of exactly 32 bytes`,
    );
  }
  return key;
}

/**
 * Finds the KEK: `kek` option, else `env.TESSERA_KEK`, else the `kekFile`, else `<dataDir>/kek`;
 * a missing file is created 0600 with a random key when `generate` allows, and a file that group or
 * others may read is refused. A KEK read from (or generated in) the data directory works, but sits
 * beside the keys it seals, so `warn` is told (hardening issue: a copy of the data directory would
 * hold both).
 */
export async function resolveKek(options: {
  kek?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  dataDir?: string | undefined;
  kekFile?: string | undefined;
  /** False when several processes share the keys (postgres): a key file generated here would be this replica's alone. Default true. */
  generate?: boolean;
  warn?: ((message: string, fields: Readonly<Record<string, unknown>>) => void) | undefined;
}): Promise<Buffer> {
  if (options.kek !== undefined) return decodeKek(options.kek, 'the storage config (kek)');
  const fromEnv = options.env.TESSERA_KEK;
  if (fromEnv !== undefined && fromEnv !== '') return decodeKek(fromEnv, 'TESSERA_KEK');
  const path =
    options.kekFile !== undefined
      ? resolve(options.kekFile)
      : options.dataDir === undefined
        ? undefined
        : join(resolve(options.dataDir), 'kek');
  if (path === undefined) {
    throw tokenServiceErrors.create(
      'ERR_STORE_CONFIG_INVALID',
      'private keys need a key-encryption key: set TESSERA_KEK, storage.kek, storage.kekFile or storage.dataDir (for a generated kek file)',
    );
  }
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists && options.generate === false) {
    // Keys shared by replicas (postgres): a kek file generated here would be this replica's alone.
    throw tokenServiceErrors.create(
      'ERR_STORE_CONFIG_INVALID',
      `keys shared by several replicas need one key-encryption key for all: set TESSERA_KEK, storage.kek or storage.kekFile, or provide ${path}`,
    );
  }
  if (!exists) await generateKekFile(path);
  if (options.dataDir !== undefined && isInside(resolve(options.dataDir), path)) {
    options.warn?.(
      `the key-encryption key is ${exists ? 'read from' : 'generated in'} the data directory, beside the private keys it protects: set storage.kekFile (outside the data directory) or TESSERA_KEK`,
      { kekFile: path },
    );
  }
  return readKekFile(path);
}

/** True when `path` lies in `dir` (or below it). */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Writes a new random KEK to `path` (0600; its folder 0700 when created). */
async function generateKekFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // 'wx' = O_CREAT | O_EXCL: of two processes starting at once only one writes the key.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(32).toString('base64url')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw tokenServiceErrors.create(
        'ERR_STORE_UNAVAILABLE',
        `cannot create the key-encryption key file ${path}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}

async function readKekFile(path: string): Promise<Buffer> {
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) {
    throw tokenServiceErrors.create(
      'ERR_STORE_KEK_INVALID',
      `the key-encryption key file ${path} has mode ${(info.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600)`,
    );
  }
  return decodeKek(await readFile(path, 'utf8'), path);
}

/** Creates the cipher for a 32-byte KEK. */
export function createKeyCipher(kek: Buffer): KeyCipher {
  if (kek.length !== 32)
    throw tokenServiceErrors.create('ERR_STORE_KEK_INVALID', 'the key-encryption key must be 32 bytes');
  const key = Buffer.from(kek);
  const seal = (aad: string, plain: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}.${iv.toString('base64url')}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  };
  /** The plaintext, `'malformed'` or `'refused'` (another key or another record). */
  const open = (
    aad: string,
    sealed: string,
  ): string | { readonly problem: 'malformed' | 'refused'; readonly cause?: unknown } => {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== PREFIX) return { problem: 'malformed' };
    const [iv, ct, tag] = [parts[2]!, parts[3]!, parts[4]!].map((p) => Buffer.from(p, 'base64url'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv!);
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(ct!), decipher.final()]).toString('utf8');
    } catch (cause) {
      return { problem: 'refused', cause };
    }
  };
  return {
    encrypt: (kid, jwk) => seal(`tessera-key:${kid}`, JSON.stringify(jwk)),
    decrypt(kid, sealed, where) {
      const plain = open(`tessera-key:${kid}`, sealed);
      if (typeof plain !== 'string') {
        if (plain.problem === 'malformed')
          throw tokenServiceErrors.create(
            'ERR_STORE_CORRUPT',
            `${where}: the encrypted private key of kid "${kid}" is malformed`,
          );
        throw tokenServiceErrors.create(
          'ERR_STORE_KEK_INVALID',
          `${where}: cannot decrypt the private key of kid "${kid}" with the configured key-encryption key (was it written with another TESSERA_KEK or kek file?)`,
          { cause: plain.cause },
        );
      }
      try {
        return JSON.parse(plain) as Jwk;
      } catch (err) {
        throw tokenServiceErrors.create('ERR_STORE_CORRUPT', `${where}: the private key of kid "${kid}" is not JSON`, {
          cause: err,
        });
      }
    },
    seal: (purpose, secret) => seal(`tessera-secret:${purpose}`, secret),
    open(purpose, sealed) {
      const plain = open(`tessera-secret:${purpose}`, sealed);
      if (typeof plain !== 'string')
        throw tokenServiceErrors.create(
          'ERR_STORE_KEK_INVALID',
          `a sealed ${purpose.split(':')[0]} secret does not open with the configured key-encryption key`,
          plain.cause === undefined ? undefined : { cause: plain.cause },
        );
      return plain;
    },
  };
}
