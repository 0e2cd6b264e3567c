// Test certificates for mTLS tests, made for each run with the openssl CLI (tests skip without it).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether the openssl CLI is installed. */
export const opensslAvailable = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Certificates for one run, made with the openssl CLI in `dir`: a CA, a server certificate for
 * 127.0.0.1/localhost, and client certificates: `webui` (one SPIFFE ID), `two` (two SPIFFE IDs) and
 * `rogue` (webui's SPIFFE ID, self-signed).
 */
export function makeTestCerts(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) =>
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  key('ca');
  run('req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=tessera-test-ca', '-days', '1');
  const leaf = (name: string, san: string, signer: 'ca' | 'self') => {
    key(name);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    if (signer === 'self') {
      run(
        'req',
        '-x509',
        '-new',
        '-key',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-subj',
        `/CN=${name}`,
        '-days',
        '1',
        '-addext',
        `subjectAltName=${san}`,
      );
      return;
    }
    run('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  };
  leaf('server', 'IP:127.0.0.1,DNS:localhost', 'ca');
  leaf('webui', 'URI:spiffe://cluster.local/ns/default/sa/webui', 'ca');
  leaf('two', 'URI:spiffe://cluster.local/ns/a/sa/x,URI:spiffe://cluster.local/ns/b/sa/y', 'ca');
  leaf('rogue', 'URI:spiffe://cluster.local/ns/default/sa/webui', 'self');
  const read = (f: string) => readFileSync(join(dir, f));
  return {
    ca: read('ca.crt'),
    server: { key: read('server.key'), cert: read('server.crt') },
    webui: { key: read('webui.key'), cert: read('webui.crt') },
    two: { key: read('two.key'), cert: read('two.crt') },
    rogue: { key: read('rogue.key'), cert: read('rogue.crt') },
  };
}
