/** Tick positions and the value range they span. */
export interface Ticks {
  min: number;
  max: number;
  values: number[];
  /** Formats a tick value with just enough decimals for the step. */
  format: (v: number) => string;
}

/**
 * About `count` round tick values (steps of 1, 2 or 5 times a power of ten) covering
 * `[lo, hi]`, extended outwards to whole steps. A zero-width range is widened around its value.
 *
 * @example
 * ```ts
 * niceTicks(0, 0.93, 5).values; // [0, 0.2, 0.4, 0.6, 0.8, 1]
 * ```
 */
export function niceTicks(lo: number, hi: number, count = 5): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  for (let v = min; v <= max + step * 1e-6; v += step)
    values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const format = (v: number): string => {
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
    return v.toFixed(Math.min(decimals, 6));
  };
  return { min, max, values, format };
}
