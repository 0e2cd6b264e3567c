import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its private key, PEM. */
export interface IssuedCertificate {
  readonly cert: string;
  readonly key: string;
  /** The same certificate and key as files (for servers configured by path), deleted by `dispose`. */
  readonly certFile: string;
  readonly keyFile: string;
}

/** A throw-away certificate authority for one example run. */
export interface ExampleCa {
  /** The CA certificate to trust (PEM). */
  readonly caCert: string;
  /**
   * Issues a leaf certificate for `127.0.0.1` and `localhost` (server and client use), optionally
   * with SPIFFE URI SANs such as `spiffe://cluster.local/ns/default/sa/webui` for mTLS identities.
   */
  issue(name: string, options?: { uris?: readonly string[] }): Promise<IssuedCertificate>;
  /** Deletes the temporary directory. */
  dispose(): Promise<void>;
}

/**
 * Creates a certificate authority with the `openssl` command (the brief used mkcert), in a
 * temporary directory, valid for one day. P-256 keys keep it fast.
 *
 * @example
 * ```ts
 * const ca = await createExampleCa();
 * const { cert, key } = await ca.issue('serviceb');
 * https.createServer({ cert, key }, handler);
 * ```
 */
export async function createExampleCa(): Promise<ExampleCa> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-example-ca-'));
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.crt'),
      '-days',
      '1',
      '-subj',
      '/CN=Tessera example CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `cannot create the example certificates with openssl (is it installed?): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const caCert = await readFile(join(dir, 'ca.crt'), 'utf8');
  let serial = 1;
  return {
    caCert,
    async issue(name, options = {}) {
      const base = join(dir, `${name.replace(/[^a-z0-9-]/gi, '_')}-${serial}`);
      const san = ['DNS:localhost', 'IP:127.0.0.1', ...(options.uris ?? []).map((u) => `URI:${u}`)].join(',');
      await writeFile(
        `${base}.ext`,
        `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n`,
      );
      await run('openssl', [
        'req',
        '-new',
        ...ecKey,
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
        '-subj',
        `/CN=${name}`,
      ]);
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        join(dir, 'ca.crt'),
        '-CAkey',
        join(dir, 'ca.key'),
        '-set_serial',
        String(serial++),
        '-days',
        '1',
        '-out',
        `${base}.crt`,
        '-extfile',
        `${base}.ext`,
      ]);
      return {
        cert: await readFile(`${base}.crt`, 'utf8'),
        key: await readFile(`${base}.key`, 'utf8'),
        certFile: `${base}.crt`,
        keyFile: `${base}.key`,
      };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
