// The demo table fits a terminal (polish issue): with maxWidth the widest columns narrow and wrap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable } from './format-table.js';

test('without maxWidth columns fit their widest cell; with it every line fits and wraps at spaces', () => {
  const rows = [
    [
      'ok',
      '1',
      'GET /scenario1 with a token from the token service',
      'HTTP 200 with the body of the service',
      'HTTP 200 '.repeat(12).trim(),
    ],
    ['DIFF', '2', 'short', 'x', 'y'],
  ];
  const wide = formatTable(['', 'scenario', 'call', 'expected', 'got'], rows);
  assert.ok(wide.split('\n').some((l) => l.length > 100));
  assert.equal(wide.split('\n').length, 4);

  const narrow = formatTable(['', 'scenario', 'call', 'expected', 'got'], rows, { maxWidth: 100 });
  const lines = narrow.split('\n');
  assert.ok(
    lines.every((l) => l.length <= 100),
    lines.map((l) => l.length).join(','),
  );
  assert.ok(lines.length > 4, 'long cells wrapped onto continuation lines');
  assert.match(lines[2]!, /^ok {3}\| 1 /, 'a row starts with its first cell');
  assert.ok(!/HTTP 20$|^HTTP 0/m.test(narrow.replace(/ *\| */g, '\n')), 'words are not cut');
  assert.match(narrow, /DIFF \| 2 +\| short/);
});
