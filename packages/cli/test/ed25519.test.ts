// RFC 9864 in the CLI: `--alg Ed25519` generates and signs with the fully-specified name (not the
// deprecated `EdDSA`), and `token verify` takes the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTessera } from './run-cli.js';

const headerOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

test('keys generate --alg Ed25519 and token sign --alg Ed25519 write alg Ed25519', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-ed25519-'));
  try {
    const gen = await runTessera(['keys', 'generate', '--alg', 'Ed25519', '--format', 'jwks', '--out-dir', dir]);
    assert.equal(gen.code, 0, gen.stderr);
    const [published] = (JSON.parse(gen.stdout) as { keys: Record<string, unknown>[] }).keys;
    assert.deepEqual([published!['kty'], published!['crv'], published!['alg']], ['OKP', 'Ed25519', 'Ed25519']);
    const priv = JSON.parse(await readFile(join(dir, 'private.jwk.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(priv['alg'], 'Ed25519');

    const fromJwk = await runTessera(['token', 'sign', '--key', join(dir, 'private.jwk.json'), '--sub', 'a']);
    assert.equal(fromJwk.code, 0, fromJwk.stderr);
    assert.equal(headerOf(fromJwk.stdout.trim())['alg'], 'Ed25519');
    const fromPem = await runTessera(['token', 'sign', '--key', join(dir, 'private.pem'), '--alg', 'Ed25519']);
    assert.equal(fromPem.code, 0, fromPem.stderr);
    const token = fromPem.stdout.trim();
    assert.equal(headerOf(token)['alg'], 'Ed25519');

    const verified = await runTessera(['token', 'verify', '--jwks', join(dir, 'jwks.json'), '--json', token]);
    assert.equal(verified.code, 0, verified.stderr || verified.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unsupported --alg lists Ed25519 among the choices', async () => {
  const r = await runTessera(['keys', 'generate', '--alg', 'Ed448']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ES256\/384\/512, Ed25519, EdDSA or HS256/);
  const help = await runTessera(['keys', 'generate', '--help']);
  assert.match(help.stdout, /\|Ed25519\|EdDSA\|/);
});
