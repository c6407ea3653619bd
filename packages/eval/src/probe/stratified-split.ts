import { resolveRng, type Rng } from '@selfsup/core';

/** Row indices of the two parts of a split. */
export interface SplitIndices {
  train: Int32Array;
  validation: Int32Array;
}

/**
 * Seeded stratified hold-out: each class sends `round(fraction * n_c)` of its `n_c` examples to
 * validation, but always keeps at least one in train. Indices come out sorted.
 *
 * @example
 * ```ts
 * const { train, validation } = stratifiedSplit(labels, 0.2, createRng(0));
 * ```
 */
export function stratifiedSplit(labels: Int32Array, fraction: number, rng?: Rng): SplitIndices {
  if (!(fraction > 0 && fraction < 1)) {
    throw new Error(`stratifiedSplit: fraction must be in (0, 1), got ${fraction}`);
  }
  const r = resolveRng(rng);
  const byClass = new Map<number, number[]>();
  labels.forEach((y, i) => {
    const list = byClass.get(y);
    if (list) list.push(i);
    else byClass.set(y, [i]);
  });
  const train: number[] = [];
  const validation: number[] = [];
  for (const y of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = r.shuffle(byClass.get(y) as number[]);
    const nVal = Math.min(rows.length - 1, Math.round(fraction * rows.length));
    rows.forEach((row, i) => (i < nVal ? validation : train).push(row));
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { train: sorted(train), validation: sorted(validation) };
}
