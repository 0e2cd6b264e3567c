// Error codes as closed unions (docs/errors.md, "Codes in TypeScript" and "Deprecated codes"):
// `isTesseraError` takes any package's code and narrows `e.code`, a misspelt code does not compile,
// and a deprecated alias is thrown as its replacement while checks naming the alias still match.
// The type assertions are checked by `tsc` (npm run typecheck); the runtime ones by this test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TesseraError,
  coreErrors,
  defineErrors,
  isTesseraError,
  type CanonicalErrorCode,
  type CanonicalErrorCodeOf,
  type CoreErrorCode,
  type TesseraErrorCode,
} from '@tessera/core';
import { tokenServiceErrors, type TokenServiceErrorCode } from '@tessera/token-service';
import { gatewayErrors, type GatewayErrorCode } from '@tessera/gateway';
import { cliErrors, type CliErrorCode } from '@tessera/cli';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T | undefined => undefined;

// Never called: the body only has to compile (and fail to where it says @ts-expect-error).
function _typeChecks(e: unknown): void {
  if (isTesseraError(e, 'ERR_JWT_EXPIRED')) assertType<Equal<typeof e.code, 'ERR_JWT_EXPIRED'>>();
  if (isTesseraError(e, 'ERR_GATEWAY_UPSTREAM_TIMEOUT'))
    assertType<Equal<typeof e.code, 'ERR_GATEWAY_UPSTREAM_TIMEOUT'>>();
  if (isTesseraError(e, 'ERR_CLI_USAGE')) assertType<Equal<typeof e.code, 'ERR_CLI_USAGE'>>();
  // A deprecated alias narrows to the code the error really carries.
  if (isTesseraError(e, 'ERR_TOKEN_INVALID_GRANT')) assertType<Equal<typeof e.code, 'ERR_OAUTH_INVALID_GRANT'>>();
  if (isTesseraError(e)) assertType<Equal<typeof e.code, CanonicalErrorCode>>();
  // @ts-expect-error a misspelt code does not compile
  isTesseraError(e, 'ERR_JWT_EXPRIED');
  // @ts-expect-error nor does one of no package
  tokenServiceErrors.create('ERR_OAUTH_INVALID_GRAN', 'x');
  // @ts-expect-error a table makes its own codes only
  gatewayErrors.create('ERR_CLI_USAGE', 'x');
  // @ts-expect-error no error carries an alias, so comparing `code` with one is a mistake the compiler sees
  if (e instanceof TesseraError && e.code === 'ERR_TOKEN_INVALID_CLIENT') return;
  // A table's `create` types the error with the code it really carries.
  const _limited = tokenServiceErrors.create('ERR_TOKEN_RATE_LIMITED', 'x');
  assertType<Equal<typeof _limited.code, 'ERR_TOKEN_SERVICE_RATE_LIMITED'>>();
  assertType<Equal<CanonicalErrorCodeOf<'ERR_TOKEN_INVALID_REQUEST'>, 'ERR_OAUTH_INVALID_REQUEST'>>();
  assertType<Equal<CanonicalErrorCodeOf<'ERR_TOKEN_UNSUPPORTED_TOKEN_TYPE'>, 'ERR_TOKEN_UNSUPPORTED_TOKEN_TYPE'>>();
  // Each package's union is its table's keys, and all of them together make TesseraErrorCode.
  assertType<Equal<CoreErrorCode, Extract<keyof typeof coreErrors, `ERR_${string}`>>>();
  assertType<Equal<TokenServiceErrorCode, Extract<keyof typeof tokenServiceErrors, `ERR_${string}`>>>();
  assertType<Equal<GatewayErrorCode, Extract<keyof typeof gatewayErrors, `ERR_${string}`>>>();
  assertType<Equal<CliErrorCode, Extract<keyof typeof cliErrors, `ERR_${string}`>>>();
  assertType<Equal<TesseraErrorCode, CoreErrorCode | TokenServiceErrorCode | GatewayErrorCode | CliErrorCode>>();
  assertType<
    Equal<
      Exclude<TokenServiceErrorCode, CanonicalErrorCode>,
      `ERR_TOKEN_${'INVALID_REQUEST' | 'INVALID_CLIENT' | 'INVALID_GRANT' | 'UNAUTHORIZED_CLIENT' | 'UNSUPPORTED_GRANT_TYPE' | 'INVALID_SCOPE' | 'INVALID_TARGET' | 'RATE_LIMITED'}`
    >
  >();
}
void _typeChecks;

test('isTesseraError matches a code of any package and nothing else', () => {
  const e = gatewayErrors.create('ERR_GATEWAY_MINT_FAILED', 'token service down');
  assert.ok(isTesseraError(e));
  assert.ok(isTesseraError(e, 'ERR_GATEWAY_MINT_FAILED'));
  assert.ok(!isTesseraError(e, 'ERR_GATEWAY_DRAINING'));
  assert.ok(!isTesseraError(new Error('x'), 'ERR_GATEWAY_MINT_FAILED'));
  assert.ok(!isTesseraError({ code: 'ERR_GATEWAY_MINT_FAILED' }, 'ERR_GATEWAY_MINT_FAILED'));
  assert.ok(isTesseraError(cliErrors.create('ERR_CLI_USAGE', 'x'), 'ERR_CLI_USAGE'));
  assert.ok(isTesseraError(coreErrors.create('ERR_JWT_EXPIRED', 'x'), 'ERR_JWT_EXPIRED'));
});

test('a deprecated alias is thrown as its replacement, with its status, and still matches', () => {
  for (const [alias, replacement] of [
    ['ERR_TOKEN_INVALID_REQUEST', 'ERR_OAUTH_INVALID_REQUEST'],
    ['ERR_TOKEN_INVALID_CLIENT', 'ERR_OAUTH_INVALID_CLIENT'],
    ['ERR_TOKEN_INVALID_GRANT', 'ERR_OAUTH_INVALID_GRANT'],
    ['ERR_TOKEN_UNAUTHORIZED_CLIENT', 'ERR_OAUTH_UNAUTHORIZED_CLIENT'],
    ['ERR_TOKEN_UNSUPPORTED_GRANT_TYPE', 'ERR_OAUTH_UNSUPPORTED_GRANT_TYPE'],
    ['ERR_TOKEN_INVALID_SCOPE', 'ERR_OAUTH_INVALID_SCOPE'],
    ['ERR_TOKEN_INVALID_TARGET', 'ERR_OAUTH_INVALID_TARGET'],
    ['ERR_TOKEN_RATE_LIMITED', 'ERR_TOKEN_SERVICE_RATE_LIMITED'],
  ] as const) {
    const e = tokenServiceErrors.create(alias, 'refused', { details: { n: 1 } });
    assert.equal(e.code, replacement);
    assert.equal(e.status, tokenServiceErrors[replacement].status);
    assert.equal(e.message, 'refused');
    assert.deepEqual(e.details, { n: 1 });
    assert.ok(isTesseraError(e, alias), `isTesseraError(e, ${alias})`);
    assert.ok(isTesseraError(e, replacement), `isTesseraError(e, ${replacement})`);
    assert.equal(tokenServiceErrors[alias].replacedBy, replacement);
  }
  // The new code matches its own errors; an alias matches only its replacement.
  const grant = tokenServiceErrors.create('ERR_OAUTH_INVALID_GRANT', 'x');
  assert.ok(isTesseraError(grant, 'ERR_TOKEN_INVALID_GRANT'));
  assert.ok(!isTesseraError(grant, 'ERR_TOKEN_INVALID_REQUEST'));
  assert.ok(!isTesseraError(grant, 'ERR_OAUTH_INVALID_REQUEST'));
});

test('a code deprecated without a replacement is still made as itself', () => {
  const e = tokenServiceErrors.create('ERR_TOKEN_UNSUPPORTED_TOKEN_TYPE', 'x');
  assert.equal(e.code, 'ERR_TOKEN_UNSUPPORTED_TOKEN_TYPE');
  assert.ok(isTesseraError(e, 'ERR_TOKEN_UNSUPPORTED_TOKEN_TYPE'));
  assert.equal(typeof tokenServiceErrors.ERR_TOKEN_UNSUPPORTED_TOKEN_TYPE.deprecated, 'string');
});

test('defineErrors refuses an alias that does not name a live code of its table with the same status', () => {
  const live = { status: 400, description: 'live' };
  assert.throws(() => defineErrors({ ERR_TEST_OLD: { ...live, replacedBy: 'ERR_TEST_MISSING' } }), /not a live code/);
  assert.throws(
    () =>
      defineErrors({
        ERR_TEST_A: live,
        ERR_TEST_B: { ...live, replacedBy: 'ERR_TEST_A' },
        ERR_TEST_C: { ...live, replacedBy: 'ERR_TEST_B' },
      }),
    /ERR_TEST_C: replacedBy ERR_TEST_B is not a live code/,
  );
  assert.throws(
    () => defineErrors({ ERR_TEST_A: live, ERR_TEST_B: { status: 401, description: 'x', replacedBy: 'ERR_TEST_A' } }),
    /status 401 differs/,
  );
  assert.throws(
    () => defineErrors({ ERR_TEST_A: live, ERR_TEST_B: { ...live, replacedBy: 'toString' } }),
    /not a live code/,
  );
  assert.throws(() => defineErrors({ ERR_lower_case: live }), /bad error code name/);
});
