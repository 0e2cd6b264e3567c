import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_POLICY_FORM } from './policy-form';
import { simulatorRequestFor } from './policy-simulator-request';

test("the simulator's request starts on the routes the form's policies select", () => {
  assert.deepEqual(simulatorRequestFor({ ...EMPTY_POLICY_FORM, labels: 'app=orders\ntier=' }), {
    labels: 'app=orders',
    namespace: 'default',
  });
  assert.deepEqual(
    simulatorRequestFor({
      ...EMPTY_POLICY_FORM,
      labels: 'app=orders',
      namespace: '',
      authorization: 'allow',
      hosts: '*.example.com\norders.example',
      paths: '/api/*\n/orders/{*}\n/api/orders',
      methods: 'POST, GET',
    }),
    { labels: 'app=orders', host: 'orders.example', path: '/api/orders', method: 'POST' },
  );
});
