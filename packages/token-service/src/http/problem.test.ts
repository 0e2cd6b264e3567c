import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenServiceErrors } from '../errors.js';
import { toProblem } from './problem.js';

test('storage down is a 503 problem with its stable code, and the driver message stays out', () => {
  assert.deepEqual(
    toProblem(tokenServiceErrors.create('ERR_STORE_UNAVAILABLE', 'postgres: connect ECONNREFUSED 10.0.0.5:5432')),
    {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'storage is unavailable; retry shortly',
      code: 'ERR_STORE_UNAVAILABLE',
    },
  );
  assert.deepEqual(toProblem(new Error('anything else')), {
    type: 'about:blank',
    title: 'Internal Server Error',
    status: 500,
  });
});
