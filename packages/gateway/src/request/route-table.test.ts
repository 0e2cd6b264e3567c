import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadGatewayConfig } from '../config/load-gateway-config.js';
import { createRouteTable } from './route-table.js';

const routes = loadGatewayConfig({
  object: {
    routes: [
      { name: 'any-root', upstream: 'http://127.0.0.1:1' },
      { name: 'any-api', pathPrefix: '/api/', upstream: 'http://127.0.0.1:2' },
      { name: 'shop', host: 'shop.test', upstream: 'http://127.0.0.1:3' },
      { name: 'shop-admin', host: 'shop.test', pathPrefix: '/admin', upstream: 'http://127.0.0.1:4' },
      { name: 'wild', host: '*.corp.test', upstream: 'http://127.0.0.1:5' },
    ],
  },
}).routes;
const table = createRouteTable(routes);
const name = (host: string, path: string) => table.match(host, path)?.config.name;

test('exact host first, then suffix wildcards, then any host; longest prefix on segment boundaries', () => {
  assert.equal(name('shop.test', '/admin'), 'shop-admin');
  assert.equal(name('SHOP.test', '/admin/users'), 'shop-admin');
  assert.equal(name('shop.test', '/administrator'), 'shop');
  assert.equal(name('shop.test', '/api/x'), 'shop', 'an exact host wins over a longer prefix on any host');
  assert.equal(name('a.corp.test', '/x'), 'wild');
  assert.equal(name('corp.test', '/x'), 'any-root', 'a suffix wildcard needs a label before it');
  assert.equal(name('other.test', '/api'), 'any-api');
  assert.equal(name('other.test', '/api/v1'), 'any-api');
  assert.equal(name('other.test', '/apix'), 'any-root');
});

test('no route when nothing matches', () => {
  const only = createRouteTable(
    loadGatewayConfig({
      object: { routes: [{ name: 'a', host: 'a.test', pathPrefix: '/a', upstream: 'http://127.0.0.1:1' }] },
    }).routes,
  );
  assert.equal(only.match('a.test', '/b'), undefined);
  assert.equal(only.match('b.test', '/a'), undefined);
});
