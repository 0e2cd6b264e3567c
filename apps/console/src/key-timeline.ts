/** A signing key as `GET /admin/keys` and `GET /admin/overview` give it. */
export interface KeyInfo {
  readonly kid: string;
  readonly alg: string;
  readonly state: 'next' | 'active' | 'retired' | 'removed' | 'withdrawn';
  readonly createdAt: string;
  readonly activateAt?: string;
  readonly activatedAt?: string;
  readonly retiredAt?: string;
  readonly removeAt?: string;
  readonly withdrawnAt?: string;
}

/** One key's bar on the timeline: from when it was published to when it leaves the JWKS. */
export interface TimelineBar {
  readonly kid: string;
  readonly state: KeyInfo['state'];
  /** Start and end, as fractions (0–1) of the window. */
  readonly from: number;
  readonly to: number;
  /** When it starts signing, as a fraction of the window, if within it. */
  readonly signsFrom?: number;
}

/** The key ring laid out on one time axis: the window, where now is, and a bar for each key. */
export interface Timeline {
  readonly start: number;
  readonly end: number;
  readonly now: number;
  /** When the next key takes over, as a fraction of the window, when one is known. */
  readonly rotation?: number;
  readonly bars: readonly TimelineBar[];
}

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/**
 * Lays the key ring out on a time axis for the overview: each key from its creation (when it is
 * published) to its removal (or withdrawal), with the moment it starts signing; the window runs
 * from the oldest key still shown to past the next rotation, so the countdown has room. A key
 * with no end yet (the active one) runs to the window's end.
 *
 * @example
 * ```ts
 * const { bars } = keyTimeline(keys, Date.now(), Date.parse(nextRotationAt));
 * ```
 */
export function keyTimeline(keys: readonly KeyInfo[], now: number, nextRotation?: number): Timeline {
  const shown = keys.filter((k) => k.state !== 'removed');
  const starts = shown.map((k) => Date.parse(k.createdAt));
  const ends = shown.flatMap((k) => [ms(k.removeAt), ms(k.withdrawnAt)]).filter((t): t is number => t !== undefined);
  const start = Math.min(now - 60_000, ...starts);
  const horizon = Math.max(now, nextRotation ?? now, ...ends);
  // A tenth of the span past the last event, so the last bar's end and the countdown stay visible.
  const end = horizon + Math.max(60_000, (horizon - start) / 10);
  const at = (t: number) => (t - start) / (end - start);
  const bars = shown.map((k): TimelineBar => {
    const signs = ms(k.activatedAt) ?? ms(k.activateAt);
    const stop = ms(k.withdrawnAt) ?? ms(k.removeAt) ?? end;
    return {
      kid: k.kid,
      state: k.state,
      from: at(Date.parse(k.createdAt)),
      to: at(stop),
      ...(signs === undefined ? {} : { signsFrom: at(signs) }),
    };
  });
  return { start, end, now: at(now), ...(nextRotation === undefined ? {} : { rotation: at(nextRotation) }), bars };
}
