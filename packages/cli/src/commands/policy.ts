import type { Command } from 'commander';
import {
  compilePolicies,
  createRemoteJwks,
  formatIssue,
  isTesseraError,
  loadPolicies,
  simulateDecision,
  simulatedRequest,
  type AssumedPrincipal,
  type KeySource,
  type PolicyIssue,
  type RemoteJwks,
} from '@tessera/core';
import { cliErrors } from '../errors.js';
import { fileErrorHint, out } from '../internal/io.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function issuesOf(error: unknown): readonly PolicyIssue[] | undefined {
  if (!isTesseraError(error, 'ERR_POLICY_INVALID')) return undefined;
  const issues = error.details?.['issues'];
  return Array.isArray(issues) ? (issues as PolicyIssue[]) : [{ path: '(policy)', message: error.message }];
}

/**
 * Policy files or folders that cannot be read are unreadable input (exit 2, like every other file
 * given on the command line), not problems inside the policies; undefined when all were read.
 */
function unreadableError(issues: readonly PolicyIssue[]): Error | undefined {
  const unread = issues.filter((i) => i.path === '(file)');
  if (unread.length === 0) return undefined;
  const what = unread.map((i) => `${JSON.stringify(i.file)}: ${i.message.replace(/^cannot read: /, '')}`).join(', ');
  const code = /^cannot read: (E[A-Z]+)$/.exec(unread[0]!.message)?.[1];
  return cliErrors.create('ERR_CLI_INPUT_INVALID', `cannot read policies ${what}`, {
    details: { hint: fileErrorHint(code) },
  });
}

// Lint compiles without fetching anything: a rule's remote keys are never asked for.
const offlineKeys: KeySource = {
  getKeys() {
    throw cliErrors.create('ERR_CLI_UNAVAILABLE', 'keys are not fetched while linting');
  },
};

/** Parses `name: value` or `name=value` into a lower-case header name and value. */
function parseHeader(text: string): [string, string] {
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*[:=]\s*(.*)$/.exec(text);
  if (!m) throw cliErrors.create('ERR_CLI_USAGE', `--header expects "name: value", got ${JSON.stringify(text)}`);
  return [m[1]!.toLowerCase(), m[2]!];
}

/** Parses `app=webui` labels. */
function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw cliErrors.create('ERR_CLI_USAGE', `--label expects key=value, got ${JSON.stringify(pair)}`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/**
 * What to do when the token was refused: a key that could not be fetched is a reachability problem
 * of the rule's JWKS, not something `token decode` would show.
 */
function authFailureHint(code: string): string {
  switch (code) {
    case 'ERR_JWKS_FETCH_FAILED':
    case 'ERR_JWKS_NOT_READY':
    case 'ERR_DISCOVERY_FAILED':
      return "check that the rule's jwksUri (or its issuer's discovery document) is reachable from here";
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return "the token's kid is not in the rule's JWKS: check which key signed it with `tessera token decode`";
    default:
      return 'run `tessera token decode` on the token';
  }
}

/**
 * Registers `tessera policy lint` and `tessera policy check`.
 *
 * @example
 * ```sh
 * tessera policy lint policies/
 * tessera policy check --policies policies/ --label app=backend-api --method GET --path /data --peer-principal cluster.local/ns/default/sa/webui --principal https://issuer/user
 * ```
 */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy');

  policy
    .command('lint')
    .description(
      'validate and compile policy files or folders; list every problem as file:line:column: field: message (exit 1 when any)',
    )
    .argument('<paths...>', 'policy YAML/JSON files or folders')
    .option('--strict', 'treat warnings (skipped documents, ignored fields) as problems')
    .option('--json', 'print { policies, issues, warnings }')
    .action(async (paths: string[], options: { strict?: boolean; json?: boolean }) => {
      let issues: readonly PolicyIssue[] = [];
      let warnings: readonly PolicyIssue[] = [];
      let summaries: {
        id: string;
        kind: string;
        action: string | undefined;
        dryRun: boolean;
        file: string | undefined;
        line: number | undefined;
      }[] = [];
      try {
        const loaded = await loadPolicies(paths);
        warnings = loaded.warnings;
        const set = compilePolicies(loaded.documents, { createRemoteKeySource: () => offlineKeys });
        summaries = set.policies.map((p) => ({ ...p }));
      } catch (error) {
        const found = issuesOf(error);
        if (found === undefined) throw error;
        issues = found;
      }
      const failing = options.strict ? [...issues, ...warnings] : issues;
      if (options.json) out(JSON.stringify({ policies: summaries, issues, warnings }, null, 2));
      else {
        for (const issue of issues) out(`error: ${formatIssue(issue)}`);
        for (const warning of warnings) out(`warning: ${formatIssue(warning)}`);
        if (failing.length === 0) {
          out(`${summaries.length} polic${summaries.length === 1 ? 'y' : 'ies'} OK`);
          for (const p of summaries)
            out(
              `  ${p.kind.padEnd(21)} ${p.id}${p.action ? ` (${p.action}${p.dryRun ? ', dry-run' : ''})` : ''}${p.file ? `  ${p.file}:${p.line ?? 1}` : ''}`,
            );
        }
      }
      if (failing.length > 0)
        throw (
          unreadableError(issues) ??
          cliErrors.create('ERR_CLI_CHECK_FAILED', `${failing.length} problem(s) in the policies`, {
            details: { hint: 'fix the fields listed above' },
          })
        );
    });

  policy
    .command('check')
    .description(
      'evaluate policies for one request: authenticate (with --token) or take --principal, authorize, and explain which policy and rule decided',
    )
    .requiredOption('--policies <path>', 'policy file or folder (required; repeat for several)', collect)
    .option('--method <method>', 'HTTP method, case-sensitive as on the wire', 'GET')
    .requiredOption('--path <path>', 'request path (required), normalized and refused exactly as the gateway does')
    .option('--host <host>', 'Host header (parsed into its canonical authority, as the gateway does)', 'localhost')
    .option('--encoded-slashes <mode>', 'reject | decode | keep, as the gateway setting encodedSlashes', 'reject')
    .option('--allow-path-parameters', 'as the route setting allowPathParameters')
    .option('--case-insensitive-paths', 'as the route setting caseInsensitivePaths')
    .option('--port <port>', 'destination port', (v) => Number(v), 80)
    .option('--header <header>', '"name: value" request header (repeat for several)', collect)
    .option('--token <jwt>', 'bearer token; verified by the RequestAuthentication rules (their JWKS are fetched)')
    .option('--principal <iss/sub>', 'request principal to assume instead of a token')
    .option(
      '--claim <name=value>',
      "claim of the assumed principal, JSON values allowed (with --principal); scope, permission and the issuer's spaceDelimitedClaims are split on spaces",
      collect,
    )
    .option('--peer-principal <spiffe>', 'mTLS peer principal, e.g. cluster.local/ns/default/sa/webui')
    .option('--source-ip <ip>', 'source address', '127.0.0.1')
    .option('--label <key=value>', 'labels of the route (for selector.matchLabels; repeat)', collect)
    .option('--namespace <ns>', 'namespace of the route', 'default')
    .option('--default-action <action>', 'when no policy selects the route: deny (Tessera) or allow (Istio)', 'deny')
    .option('--json', 'print { decision, identity, explanation }')
    .action(
      async (options: {
        policies: string[];
        method: string;
        path: string;
        host: string;
        port: number;
        header?: string[];
        token?: string;
        principal?: string;
        claim?: string[];
        peerPrincipal?: string;
        sourceIp: string;
        label?: string[];
        namespace: string;
        defaultAction: string;
        encodedSlashes: string;
        allowPathParameters?: boolean;
        caseInsensitivePaths?: boolean;
        json?: boolean;
      }) => {
        if (options.token !== undefined && options.principal !== undefined)
          throw cliErrors.create('ERR_CLI_USAGE', 'give --token or --principal, not both');
        if (options.defaultAction !== 'deny' && options.defaultAction !== 'allow')
          throw cliErrors.create('ERR_CLI_USAGE', '--default-action is deny or allow');
        if (!options.path.startsWith('/')) throw cliErrors.create('ERR_CLI_USAGE', '--path must start with /');
        const slashes = options.encodedSlashes;
        if (slashes !== 'reject' && slashes !== 'decode' && slashes !== 'keep') {
          throw cliErrors.create('ERR_CLI_USAGE', '--encoded-slashes is reject, decode or keep');
        }
        const headers: Record<string, string> = {};
        for (const h of options.header ?? []) {
          const [name, value] = parseHeader(h);
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
        // The gateway's own request preparation (core): one canonical path and host, and the same
        // refusals (400 at the gateway).
        const built = simulatedRequest({
          method: options.method,
          path: options.path,
          host: options.host,
          port: options.port,
          headers,
          ...(options.token === undefined ? {} : { token: options.token }),
          ...(options.peerPrincipal === undefined ? {} : { peerPrincipal: options.peerPrincipal }),
          sourceIp: options.sourceIp,
          labels: parseLabels(options.label ?? []),
          namespace: options.namespace,
          encodedSlashes: slashes,
          allowPathParameters: options.allowPathParameters === true,
          caseInsensitivePaths: options.caseInsensitivePaths === true,
        });
        if ('refused' in built)
          throw cliErrors.create('ERR_CLI_CHECK_FAILED', `refused (400): ${built.refused}`, {
            details: { hint: 'the gateway answers 400 Bad Request for this request' },
          });
        const { request } = built;
        let assumed: AssumedPrincipal | undefined;
        if (options.principal !== undefined) {
          const slash = options.principal.lastIndexOf('/');
          if (slash <= 0 || slash === options.principal.length - 1)
            throw cliErrors.create(
              'ERR_CLI_USAGE',
              `--principal expects iss/sub, got ${JSON.stringify(options.principal)}`,
            );
          const claims: Record<string, unknown> = {};
          for (const pair of options.claim ?? []) {
            const eq = pair.indexOf('=');
            if (eq <= 0)
              throw cliErrors.create('ERR_CLI_USAGE', `--claim expects name=value, got ${JSON.stringify(pair)}`);
            const raw = pair.slice(eq + 1);
            try {
              claims[pair.slice(0, eq)] = JSON.parse(raw);
            } catch {
              claims[pair.slice(0, eq)] = raw;
            }
          }
          assumed = { principal: options.principal, claims };
        }
        const remotes: RemoteJwks[] = [];
        let loaded;
        try {
          loaded = await loadPolicies(options.policies);
        } catch (error) {
          const found = issuesOf(error);
          if (found === undefined) throw error;
          throw (
            unreadableError(found) ??
            cliErrors.create('ERR_CLI_CONFIG_INVALID', `invalid policies: ${found.map(formatIssue).join('; ')}`, {
              details: { hint: 'run `tessera policy lint` on them' },
            })
          );
        }
        try {
          const set = compilePolicies(loaded.documents, {
            defaultAction: options.defaultAction,
            createRemoteKeySource: (r) => {
              const source =
                r.jwksUri !== undefined
                  ? createRemoteJwks(r.jwksUri, { timeoutDuration: r.timeoutMs })
                  : createRemoteJwks({ issuer: r.issuer, timeoutDuration: r.timeoutMs });
              remotes.push(source);
              return source;
            },
          });
          const result = await simulateDecision(set, loaded.documents, request, assumed);
          if (result.status === 401) {
            const authError = result.error;
            // A present but invalid token is refused before any AuthorizationPolicy (Istio: 401).
            if (options.json)
              out(
                JSON.stringify(
                  { decision: { allowed: false, status: 401, reason: 'authentication-failed' }, error: authError },
                  null,
                  2,
                ),
              );
            else
              out(
                `DENY 401: the token is not valid for the RequestAuthentication rules: ${authError.code}: ${authError.message}`,
              );
            throw cliErrors.create('ERR_CLI_CHECK_FAILED', `denied (401): ${authError.code}`, {
              details: { hint: authFailureHint(authError.code) },
            });
          }
          const { identity, explanation } = result;
          const decision = explanation.decision;
          if (options.json) {
            out(
              JSON.stringify(
                {
                  decision: { ...decision, status: decision.allowed ? 200 : 403 },
                  identity: identity
                    ? {
                        requestPrincipal: identity.requestPrincipal,
                        audiences: identity.audiences,
                        claims: identity.claims,
                      }
                    : null,
                  explanation: { policies: explanation.policies, text: explanation.text },
                },
                null,
                2,
              ),
            );
          } else {
            out(
              `${decision.allowed ? 'ALLOW' : 'DENY 403'}: ${decision.reason}${decision.policy ? ` (policy ${decision.policy}${decision.rule === undefined ? '' : `, rule ${decision.rule}`})` : ''}`,
            );
            out(
              `request principal: ${identity?.requestPrincipal ?? '(none)'}; peer principal: ${request.peerPrincipal ?? '(none)'}`,
            );
            out(explanation.text);
          }
          if (!decision.allowed)
            throw cliErrors.create('ERR_CLI_CHECK_FAILED', `denied (403): ${decision.reason}`, {
              details: { hint: 'the explanation above names the rule conditions that failed' },
            });
        } finally {
          for (const r of remotes) r.close();
        }
      },
    );
}
