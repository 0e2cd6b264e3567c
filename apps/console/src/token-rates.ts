/** One reading of the token service's counters (`GET /admin/overview`), at the server's clock. */
export interface CounterSample {
  readonly at: number;
  readonly issued: number;
  readonly refused: number;
}

/** Tokens issued and refused per minute between two readings, dated at the later one. */
export interface RatePoint {
  readonly at: number;
  readonly issued: number;
  readonly refused: number;
}

/**
 * Per-minute rates from consecutive counter readings (taken while the page is open; nothing is
 * stored). A counter that went down (the service restarted, or another replica answered) starts
 * over from its new value instead of drawing a negative rate.
 *
 * @example
 * ```ts
 * tokenRates([{ at: 0, issued: 0, refused: 0 }, { at: 5000, issued: 10, refused: 1 }]);
 * // [{ at: 5000, issued: 120, refused: 12 }]
 * ```
 */
export function tokenRates(samples: readonly CounterSample[]): RatePoint[] {
  const points: RatePoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const minutes = (b.at - a.at) / 60_000;
    if (minutes <= 0) continue;
    const per = (x: number, y: number) => (y >= x ? (y - x) / minutes : y / minutes);
    points.push({ at: b.at, issued: per(a.issued, b.issued), refused: per(a.refused, b.refused) });
  }
  return points;
}

/**
 * The points of an SVG polyline for one series, scaled into `width` × `height` (y grows down),
 * against a shared maximum so the two series compare.
 */
export function polylinePoints(
  points: readonly RatePoint[],
  pick: (p: RatePoint) => number,
  box: {
    readonly width: number;
    readonly height: number;
    readonly max: number;
    readonly from: number;
    readonly to: number;
  },
): string {
  const span = Math.max(1, box.to - box.from);
  const max = Math.max(1, box.max);
  return points
    .map(
      (p) =>
        `${(((p.at - box.from) / span) * box.width).toFixed(1)},${(box.height - (pick(p) / max) * box.height).toFixed(1)}`,
    )
    .join(' ');
}
