// The admin API's resources and the methods each answers, so a known path asked with another
// method gets 405 with `Allow` (RFC 9110 §15.5.6) instead of a 404 that says it does not exist.
const ROUTES: readonly (readonly [pattern: readonly string[], methods: readonly string[]])[] = [
  [['clients'], ['GET', 'POST']],
  [
    ['clients', '*'],
    ['GET', 'PATCH', 'DELETE'],
  ],
  [['clients', '*', 'secrets'], ['POST']],
  [['clients', '*', 'secrets', '*'], ['DELETE']],
  [['users'], ['GET', 'POST']],
  [
    ['users', '*'],
    ['GET', 'PATCH', 'DELETE'],
  ],
  [['users', '*', 'password'], ['POST']],
  [['users', '*', 'sessions'], ['DELETE']],
  [['users', '*', 'factors'], ['DELETE']],
  [['users', '*', 'consents'], ['GET']],
  [['users', '*', 'consents', '*'], ['DELETE']],
  [['keys'], ['GET']],
  [['keys', 'rotate'], ['POST']],
  [['keys', '*', 'retire'], ['POST']],
  [['keys', '*', 'withdraw'], ['POST']],
  [['audit'], ['GET']],
  [['audit', 'export'], ['GET']],
  [['whoami'], ['GET']],
  [['gateways'], ['GET']],
  [['gateways', '*'], ['GET']],
  [['gateways', '*', 'policies'], ['GET']],
  [['gateways', '*', 'decisions'], ['POST']],
  [['decisions'], ['GET']],
  [['decisions', 'graph'], ['GET']],
  [['decisions', 'stream'], ['GET']],
  [['overview'], ['GET']],
  [['sign-out'], ['POST']],
  [['tokens', 'inspect'], ['POST']],
  [['policies', 'simulate'], ['POST']],
  [
    ['jwt-factory', 'keys', '*'],
    ['GET', 'POST'],
  ],
  [['jwt-factory', 'issueToken', '*'], ['POST']],
  [['jwt-factory', 'verify', '*'], ['POST']],
  [['jwt-factory', 'utils', 'publicKey', '*'], ['GET']],
  [['jwt-factory', 'utils', 'keys'], ['GET']],
  [['jwt-factory', 'utils', 'dump'], ['POST']],
];

/**
 * The methods the admin resource at `parts` (the path below `/admin/`, split) answers, or
 * undefined when there is no such resource. `*` in a pattern matches one segment; a fixed segment
 * wins over `*` (`keys/rotate` is not a key named "rotate").
 *
 * @example
 * ```ts
 * adminMethods(['keys', 'rotate']); // ['POST']
 * ```
 */
export function adminMethods(parts: readonly string[]): readonly string[] | undefined {
  let best: { methods: readonly string[]; fixed: number } | undefined;
  for (const [pattern, methods] of ROUTES) {
    if (pattern.length !== parts.length) continue;
    if (!pattern.every((p, i) => p === '*' || p === parts[i])) continue;
    const fixed = pattern.filter((p) => p !== '*').length;
    if (best === undefined || fixed > best.fixed) best = { methods, fixed };
  }
  return best?.methods;
}
