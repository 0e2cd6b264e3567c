// A throwaway PKI made with the openssl command line in a temp folder: a CA, a server certificate
// for 127.0.0.1 and client certificates with SPIFFE URI SANs. `undefined` when openssl is absent.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  client(name: string, spiffeId: string | undefined): { cert: string; key: string };
  remove(): void;
}

export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

export function createPki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gw-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = (name: string) =>
    ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  ecKey('ca');
  ssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=tessera test CA', '-days', '2', '-out', 'ca.crt');
  const issue = (name: string, subject: string, san: string, usage: string) => {
    ecKey(name);
    ssl('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
    writeFileSync(
      join(dir, `${name}.ext`),
      `subjectAltName=${san}\nextendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
  };
  issue('server', '/CN=127.0.0.1', 'IP:127.0.0.1,DNS:localhost', 'serverAuth');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    client(name, spiffeId) {
      issue(name, `/CN=${name}`, spiffeId ? `URI:${spiffeId}` : `DNS:${name}.test`, 'clientAuth');
      return {
        cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
        key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
