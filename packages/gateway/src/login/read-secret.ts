import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayErrors } from '../errors.js';
import type { SecretRef } from './ext-auth-policy.js';

/** A Kubernetes object name (RFC 1123 subdomain): also what keeps a reference inside `secretsDir`. */
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * Reads one key of a Kubernetes Secret as the gateway's pod sees it mounted:
 * `<secretsDir>/<namespace>/<name>/<key>`, so the ExtAuthPolicy's `clientSecretRef` and
 * `cipherConfig.keyRef` work unchanged in the Kubernetes deployment and on a laptop. One trailing
 * newline is dropped (`echo secret > file`). The error names the file, never its content.
 *
 * @example
 * ```ts
 * const secret = readSecret('/etc/tessera/secrets', { name: 'auth0-client-secret', namespace: 'default' }, 'client-secret');
 * ```
 */
export function readSecret(secretsDir: string, ref: SecretRef, key: string): string {
  if (!K8S_NAME.test(ref.name) || !K8S_NAME.test(ref.namespace))
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      `secret reference ${ref.namespace}/${ref.name}: namespace and name must be Kubernetes object names`,
    );
  const path = join(secretsDir, ref.namespace, ref.name, key);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      `secret ${ref.namespace}/${ref.name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); mount the Secret there or set secretsDir`,
    );
  }
  const value = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (value.length === 0)
    throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', `secret ${ref.namespace}/${ref.name}: ${path} is empty`);
  return value;
}
