import { Option, type Command } from 'commander';
import { cliErrors } from '../errors.js';
import { out, readInput } from '../internal/io.js';
import {
  discoverTokenEndpoint,
  requestToken,
  type ClientCredentials,
  type TokenResponse,
} from '../internal/token-endpoint.js';

interface ClientOptions {
  url: string;
  clientId: string;
  clientSecret?: string;
  auth: 'basic' | 'post';
  json?: boolean;
}

function addClientOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--url <url>', 'token service base URL (or its token endpoint)', process.env['TESSERA_URL'])
    .requiredOption('--client-id <id>', 'client id', process.env['TESSERA_CLIENT_ID'])
    .option(
      '--client-secret <secret>',
      'client secret (better: set TESSERA_CLIENT_SECRET, which stays out of the shell history)',
    )
    .addOption(
      new Option('--auth <method>', 'client authentication method').choices(['basic', 'post']).default('basic'),
    )
    .option('--json', 'print the whole token response as JSON instead of the bare access token');
}

function credentials(options: ClientOptions): ClientCredentials {
  const clientSecret = options.clientSecret ?? process.env['TESSERA_CLIENT_SECRET'];
  if (!clientSecret)
    throw cliErrors.create('ERR_CLI_USAGE', 'no client secret: give --client-secret or set TESSERA_CLIENT_SECRET');
  return { clientId: options.clientId, clientSecret, method: options.auth };
}

function print(response: TokenResponse, json: boolean | undefined): void {
  // The bare token by default, so `TOKEN=$(tessera token get ...)` works.
  out(json ? JSON.stringify(response, null, 2) : response.access_token);
}

/**
 * Registers `tessera token get` (RFC 6749 §4.4 client_credentials) and `tessera token exchange`
 * (RFC 8693 token exchange) under the `token` command.
 *
 * @example
 * ```sh
 * TESSERA_CLIENT_SECRET=... tessera token get --url http://127.0.0.1:7400 --client-id service-a --audience service-b
 * ```
 */
export function registerTokenRemoteCommands(token: Command): void {
  addClientOptions(
    token
      .command('get')
      .description('get an access token from a token service with the client_credentials grant')
      .option('--audience <aud>', "audience of the token (default: the client's first allowed audience)")
      .option('--resource <uri>', 'resource indicator (RFC 8707)')
      .option('--scope <scopes>', 'space-separated scopes'),
  ).action(async (options: ClientOptions & { audience?: string; resource?: string; scope?: string }) => {
    const client = credentials(options);
    const endpoint = await discoverTokenEndpoint(options.url);
    const response = await requestToken(endpoint, client, {
      grant_type: 'client_credentials',
      audience: options.audience,
      resource: options.resource,
      scope: options.scope,
    });
    print(response, options.json);
  });

  addClientOptions(
    token
      .command('exchange')
      .description('exchange a token for another one at a token service (RFC 8693)')
      .requiredOption('--subject-token <token>', 'the token to exchange (`-` reads it from stdin)')
      .option(
        '--subject-token-type <uri>',
        'type of the subject token',
        'urn:ietf:params:oauth:token-type:access_token',
      )
      .option('--actor-token <token>', 'token of the acting party, recorded in the `act` claim (delegation)')
      .option('--actor-token-type <uri>', 'type of the actor token', 'urn:ietf:params:oauth:token-type:access_token')
      .option('--audience <aud>', 'audience of the new token')
      .option('--resource <uri>', 'resource of the new token (RFC 8707)')
      .option('--scope <scopes>', 'space-separated scopes (can only narrow)'),
  ).action(
    async (
      options: ClientOptions & {
        subjectToken: string;
        subjectTokenType: string;
        actorToken?: string;
        actorTokenType: string;
        audience?: string;
        resource?: string;
        scope?: string;
      },
    ) => {
      const client = credentials(options);
      const subjectToken =
        options.subjectToken === '-' ? (await readInput('-', 'subject token')).trim() : options.subjectToken;
      const endpoint = await discoverTokenEndpoint(options.url);
      const response = await requestToken(endpoint, client, {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subjectToken,
        subject_token_type: options.subjectTokenType,
        actor_token: options.actorToken,
        actor_token_type: options.actorToken ? options.actorTokenType : undefined,
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: options.audience,
        resource: options.resource,
        scope: options.scope,
      });
      print(response, options.json);
    },
  );
}
