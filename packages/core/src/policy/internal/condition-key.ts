// The `when` keys of an AuthorizationPolicy that Tessera evaluates (Istio's list, minus what only
// Envoy can see). Shared by the validator (to reject a key at load) and the matchers (to compile it).
import { HEADER_NAME } from './field-checker.js';

/** How the values of a condition key are checked. */
export type ConditionKind = 'string' | 'ip' | 'port';

const SIMPLE_KEYS: Readonly<Record<string, ConditionKind>> = {
  'request.auth.principal': 'string',
  'request.auth.audiences': 'string',
  'request.auth.presenter': 'string',
  'source.ip': 'ip',
  'remote.ip': 'ip',
  'destination.ip': 'ip',
  'source.principal': 'string',
  'source.namespace': 'string',
  'destination.port': 'port',
  'connection.sni': 'string',
};

/** Parsed `when` key. */
export type ConditionKey =
  | { readonly kind: 'simple'; readonly key: string; readonly values: ConditionKind }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'claim'; readonly path: readonly string[] };

/** Parses a `when` key, or returns why it is not supported. */
export function parseConditionKey(key: string): ConditionKey | string {
  const simple = Object.hasOwn(SIMPLE_KEYS, key) ? SIMPLE_KEYS[key] : undefined;
  if (simple !== undefined) return { kind: 'simple', key, values: simple };
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) {
    if (!HEADER_NAME.test(header[1]!)) return `${JSON.stringify(header[1])} is not a valid header name`;
    return { kind: 'header', name: header[1]!.toLowerCase() };
  }
  if (key.startsWith('request.auth.claims')) {
    const rest = key.slice('request.auth.claims'.length);
    if (!/^(\[[^[\]]+\])+$/.test(rest))
      return 'request.auth.claims needs one or more [name] parts, e.g. request.auth.claims[groups] or request.auth.claims[a][b]';
    return { kind: 'claim', path: rest.slice(1, -1).split('][') };
  }
  if (key.startsWith('experimental.'))
    return `${JSON.stringify(key)} (Envoy filter metadata) is not supported outside Envoy`;
  return `unknown condition key ${JSON.stringify(key)}; supported: ${[...Object.keys(SIMPLE_KEYS), 'request.headers[...]', 'request.auth.claims[...]'].join(', ')}`;
}
