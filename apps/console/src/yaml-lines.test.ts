import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flaggedLines, lineOffset, textExtent } from './yaml-lines';

test('lineOffset: the start of a line (and column), clamped to the line and the text', () => {
  const text = 'a: 1\nbb: 2\n\ncc: 3';
  assert.equal(lineOffset(text, 1), 0);
  assert.equal(lineOffset(text, 2), 5);
  assert.equal(lineOffset(text, 2, 3), 7);
  assert.equal(lineOffset(text, 2, 99), 10, 'the end of line 2, not into line 3');
  assert.equal(lineOffset(text, 3), 11);
  assert.equal(lineOffset(text, 4, 2), 13);
  assert.equal(lineOffset(text, 9), text.length);
});

test('flaggedLines: the messages of each line with issues, with their field; issues without a line are not flagged', () => {
  const lines = flaggedLines([
    { line: 3, path: 'spec.action', message: 'unknown action' },
    { line: 3, message: 'second' },
    { message: 'somewhere' },
  ]);
  assert.deepEqual([...lines], [[3, 'spec.action: unknown action\nsecond']]);
});

test('textExtent: lines and the longest line', () => {
  assert.deepEqual(textExtent(''), { lines: 1, longest: 0 });
  assert.deepEqual(textExtent('ab\nc\n'), { lines: 3, longest: 2 });
});
