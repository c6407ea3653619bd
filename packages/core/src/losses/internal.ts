/**
 * Shared input checks and constants for the losses (not exported from the package).
 * @internal
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Added to logits that must drop out of a softmax (SimCLR's self-similarities, wav2vec 2.0's
 * excluded distractors). SimCLR's official code subtracts 1e9; a finite value keeps `0 * x`
 * products and gradients free of NaN, unlike -Infinity.
 */
export const LARGE_NEGATIVE = -1e9;

/** `[2, 3]` for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws unless `t` has rank `rank`; `layout` names the axes, e.g. `'[N, D]'`. */
export function assertRank(
  fn: string,
  name: string,
  t: tf.Tensor,
  rank: number,
  layout: string,
): void {
  if (!(t instanceof tf.Tensor)) {
    throw new Error(`${fn}: ${name} must be a tf.Tensor ${layout}, got ${typeof t}`);
  }
  if (t.rank !== rank) {
    throw new Error(
      `${fn}: ${name} must be a ${rank}-D tensor ${layout}, got shape ${formatShape(t.shape)}`,
    );
  }
}

/** Throws unless `a` and `b` have identical shapes. */
export function assertSameShape(
  fn: string,
  nameA: string,
  a: tf.Tensor,
  nameB: string,
  b: tf.Tensor,
): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(
      `${fn}: ${nameA} and ${nameB} must have the same shape, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
}

/** Throws unless `value` is a finite number > 0. */
export function assertPositive(fn: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${fn}: ${name} must be a finite number > 0, got ${value}`);
  }
}

/** Throws unless `value` is a finite number >= 0. */
export function assertNonNegative(fn: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${fn}: ${name} must be a finite number >= 0, got ${value}`);
  }
}

/** Throws unless `t` is a non-empty tensor of a floating-point dtype. */
export function assertFloat(fn: string, name: string, t: tf.Tensor): void {
  if (t.dtype !== 'float32') {
    throw new Error(`${fn}: ${name} must be a float32 tensor, got dtype ${t.dtype}`);
  }
  if (t.size === 0) {
    throw new Error(`${fn}: ${name} must not be empty, got shape ${formatShape(t.shape)}`);
  }
}
