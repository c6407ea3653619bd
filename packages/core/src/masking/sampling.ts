/**
 * Internal helpers shared by the masking generators (not re-exported from the package): the
 * few NumPy / Python primitives the reference implementations rely on, reproduced on an
 * {@link Rng} so that every draw stays seeded.
 * @internal
 */
import type { Rng } from '../random/rng';

/**
 * Python's `round` / NumPy's `np.round` / `np.rint`: nearest integer, ties to even. The
 * reference code rounds with these, and `Math.round` (ties up) differs on exact halves,
 * e.g. `round(2.5) == 2` in Python but `Math.round(2.5) === 3`.
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * `np.random.choice(n, k, replace=False)`: `k` distinct integers from `[0, n)`, every ordered
 * `k`-tuple equally likely (a partial Fisher-Yates shuffle, O(k) memory via a sparse swap map).
 */
export function choiceWithoutReplacement(n: number, k: number, rng: Rng): Int32Array {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || n < 0 || k > n) {
    throw new Error(`choiceWithoutReplacement: need integers 0 <= k <= n, got n=${n}, k=${k}`);
  }
  const out = new Int32Array(k);
  const swapped = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const vj = swapped.get(j) ?? j;
    const vi = swapped.get(i) ?? i;
    out[i] = vj;
    swapped.set(j, vi);
  }
  return out;
}

/** `np.random.randint(low, high)`: uniform integer in `[low, high)`. */
export function randint(low: number, high: number, rng: Rng): number {
  return low + rng.int(high - low);
}

/**
 * Python's `random.uniform(a, b)` (`a + (b - a) * random()`), which also accepts `a > b`.
 */
export function pyUniform(a: number, b: number, rng: Rng): number {
  return a + (b - a) * rng.float();
}

/**
 * `np.random.choice(len(weights), p=weights / sum(weights))`: an index drawn with probability
 * proportional to its non-negative weight.
 */
export function weightedIndex(weights: ArrayLike<number>, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  const u = rng.float() * total;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] <= 0) continue;
    acc += weights[i];
    last = i;
    if (u < acc) return i;
  }
  // Only reachable through float rounding of the running sum: take the last positive weight.
  return last;
}

/** Throws unless `value` is an integer >= `min`. */
export function assertInt(fn: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Throws unless `value` is a finite number in `[low, high]`. */
export function assertInRange(
  fn: string,
  name: string,
  value: number,
  low: number,
  high: number,
): void {
  if (!Number.isFinite(value) || value < low || value > high) {
    throw new Error(`${fn}: ${name} must be in [${low}, ${high}], got ${value}`);
  }
}
