import { test } from 'node:test';
import assert from 'node:assert/strict';
import { polylinePoints, tokenRates } from './token-rates';

test('per-minute rates between readings; a counter that went down starts over', () => {
  const rates = tokenRates([
    { at: 0, issued: 0, refused: 0 },
    { at: 5_000, issued: 10, refused: 1 },
    { at: 10_000, issued: 10, refused: 1 },
    { at: 15_000, issued: 3, refused: 0 },
  ]);
  assert.deepEqual(rates, [
    { at: 5_000, issued: 120, refused: 12 },
    { at: 10_000, issued: 0, refused: 0 },
    { at: 15_000, issued: 36, refused: 0 },
  ]);
  assert.deepEqual(tokenRates([{ at: 1, issued: 1, refused: 1 }]), []);
  assert.deepEqual(
    tokenRates([
      { at: 1, issued: 1, refused: 1 },
      { at: 1, issued: 2, refused: 1 },
    ]),
    [],
    'no time, no rate',
  );
});

test('polyline points scale into the box, y growing down', () => {
  const points = [
    { at: 0, issued: 0, refused: 0 },
    { at: 10, issued: 50, refused: 0 },
    { at: 20, issued: 100, refused: 0 },
  ];
  assert.equal(
    polylinePoints(points, (p) => p.issued, { width: 200, height: 100, max: 100, from: 0, to: 20 }),
    '0.0,100.0 100.0,50.0 200.0,0.0',
  );
});
