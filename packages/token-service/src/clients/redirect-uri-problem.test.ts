import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redirectUriProblem } from './redirect-uri-problem.js';

test('redirect URIs: https anywhere, http only to loopback; no fragment, no userinfo, nothing relative', () => {
  for (const ok of [
    'https://app.example/callback',
    'https://app.example:8443/cb?tenant=a',
    'http://localhost:3000/callback',
    'http://127.0.0.1:8080/cb',
    'http://[::1]/cb',
  ])
    assert.equal(redirectUriProblem(ok), undefined, ok);
  for (const [bad, why] of [
    ['/callback', /absolute/],
    ['http://app.example/cb', /loopback/],
    ['http://localhost.attacker.example/cb', /loopback/],
    ['https://app.example/cb#x', /fragment/],
    ['https://app.example@attacker.example/cb', /userinfo/],
    ['https://user:pw@app.example/cb', /userinfo/],
    ['javascript:alert(1)', /scheme/],
    ['com.example.app:/cb', /scheme/],
  ] as const)
    assert.match(redirectUriProblem(bad) ?? '', why, bad);
});
