import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestPath } from './request-path.js';

test('clean paths: what every router reads the same way', () => {
  for (const url of [
    '/',
    '/health',
    '/a/b.c/d',
    '/a%20b',
    '/a?x=../y',
    '/a#..',
    '/a/.well-known/x',
    '/a/..b',
    '/%3F',
  ]) {
    assert.equal(parseRequestPath(url).clean, true, url);
  }
});

test('unclean paths: never exempt', () => {
  for (const url of [
    '/a/../b',
    '/a/./b',
    '/..',
    '/a/..;/b',
    '//a',
    '/a//b',
    '/a\\b',
    '/%2e',
    '/%2F',
    '/%5c',
    '/%25',
    '/%00',
    '/%zz',
    '/a b',
    '/é',
    'http://h/a',
    '*',
    '',
  ]) {
    assert.equal(parseRequestPath(url).clean, false, url);
  }
});

test('forms cover the raw path, dot segments resolved, and the fully decoded path', () => {
  assert.deepEqual(parseRequestPath('/a/%2e%2e/b?x').forms(), ['/a/%2e%2e/b', '/b']);
  assert.deepEqual(parseRequestPath('/a//b/../c').forms(), ['/a//b/../c', '/a/c']);
  assert.deepEqual(parseRequestPath('/a%2Fb').forms(), ['/a%2Fb', '/a/b']);
  assert.deepEqual(parseRequestPath('/%61dmin').forms(), ['/%61dmin', '/admin']);
  assert.deepEqual(parseRequestPath('http://h/admin?x').forms(), ['http://h/admin', '/admin']);
  assert.deepEqual(parseRequestPath('/%zz/../x').forms(), ['/%zz/../x', '/x']);
});
