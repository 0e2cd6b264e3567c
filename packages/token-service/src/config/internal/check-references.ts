import type { z } from 'zod';
import { KNOWN_GRANT_TYPES, operationsPort, type tokenServiceConfigSchema } from '../schema.js';

/** One cross-reference problem, with the path of the offending field. */
export interface ConfigProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Checks what the schema cannot: unique ids, grant references, key timing (ARCHITECTURE.md, "Configuration").
 *
 * @example
 * ```ts
 * const problems = checkConfigReferences(parsed); // [{ path: ['clients', 1, 'id'], message: 'duplicate client id "a"' }]
 * ```
 */
export function checkConfigReferences(config: z.output<typeof tokenServiceConfigSchema>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ids = new Set<string>();
  config.clients.forEach((client, i) => {
    if (ids.has(client.id))
      problems.push({ path: ['clients', i, 'id'], message: `duplicate client id "${client.id}"` });
    ids.add(client.id);
    if (client.secret !== undefined && client.secretHash !== undefined)
      problems.push({ path: ['clients', i, 'secret'], message: 'give either secret or secretHash, not both' });
    if (!client.public && client.secret === undefined && client.secretHash === undefined && client.jwks === undefined)
      problems.push({
        path: ['clients', i],
        message: 'a client needs a secret, a secretHash or a jwks to authenticate (or public: true)',
      });
    client.grantTypes.forEach((grant, j) => {
      if (!KNOWN_GRANT_TYPES.has(grant))
        problems.push({ path: ['clients', i, 'grantTypes', j], message: `unknown grant type "${grant}"` });
      else if (grant === 'password' && !config.grants.password.enabled)
        problems.push({
          path: ['clients', i, 'grantTypes', j],
          message: 'the password grant is disabled (grants.password.enabled)',
        });
    });
  });
  const userIds = new Set<string>();
  const usernames = new Set<string>();
  config.users.forEach((user, i) => {
    const id = user.id ?? user.username;
    if (userIds.has(id)) problems.push({ path: ['users', i, 'id'], message: `duplicate user id "${id}"` });
    if (usernames.has(user.username))
      problems.push({ path: ['users', i, 'username'], message: `duplicate username "${user.username}"` });
    userIds.add(id);
    usernames.add(user.username);
  });
  const opsPort = operationsPort(config.server);
  if (opsPort !== 0 && opsPort === config.server.port)
    problems.push({
      path: ['server', 'operations', 'port'],
      message: `the operations listener needs a port of its own (server.port is ${config.server.port} too)`,
    });
  const users = new Set<string>();
  config.grants.password.users.forEach((user, i) => {
    if (users.has(user.username))
      problems.push({
        path: ['grants', 'password', 'users', i, 'username'],
        message: `duplicate user "${user.username}"`,
      });
    users.add(user.username);
  });
  const issuers = new Set<string>();
  config.grants.tokenExchange.trustedIssuers.forEach((t, i) => {
    if (issuers.has(t.issuer))
      problems.push({
        path: ['grants', 'tokenExchange', 'trustedIssuers', i, 'issuer'],
        message: `duplicate trusted issuer "${t.issuer}"`,
      });
    if (config.server.issuer !== undefined && t.issuer === config.server.issuer)
      problems.push({
        path: ['grants', 'tokenExchange', 'trustedIssuers', i, 'issuer'],
        message: "this service's own issuer is always trusted",
      });
    issuers.add(t.issuer);
  });
  const rotation = config.keys.rotationIntervalSeconds;
  if (rotation !== 0 && rotation <= config.keys.jwksCacheSeconds) {
    // A key must be published one cache period before it signs (issue 3, "Keys"); with a shorter
    // interval the next key would have to sign before every verifier could have seen it.
    problems.push({
      path: ['keys', 'rotationIntervalSeconds'],
      message: `must be 0 or longer than keys.jwksCacheSeconds (${config.keys.jwksCacheSeconds})`,
    });
  }
  if (config.tokens.defaultLifetimeSeconds > config.tokens.maxLifetimeSeconds)
    problems.push({ path: ['tokens', 'defaultLifetimeSeconds'], message: 'exceeds tokens.maxLifetimeSeconds' });
  config.clients.forEach((client, i) => {
    if (client.tokenLifetimeSeconds !== undefined && client.tokenLifetimeSeconds > config.tokens.maxLifetimeSeconds)
      problems.push({ path: ['clients', i, 'tokenLifetimeSeconds'], message: 'exceeds tokens.maxLifetimeSeconds' });
  });
  return problems;
}
