// Helpers shared by the augmentations; not part of the public API.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/index';
import type { SpecAugmentMaskOptions } from './types';

/** Checks for NHWC images and returns their shape. */
export function imageShape(images: tf.Tensor, fn: string): [number, number, number, number] {
  if (images.rank !== 4) {
    throw new Error(
      `${fn}: expected NHWC images of rank 4, got shape [${images.shape.join(', ')}]`,
    );
  }
  return images.shape as [number, number, number, number];
}

/** Checks that `p` is a probability. */
export function checkProbability(p: number, fn: string, name = 'p'): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`${fn}: ${name} must be in [0, 1], got ${p}`);
  return p;
}

/** Checks a [low, high] range with low <= high. */
export function checkRange(
  range: readonly [number, number],
  fn: string,
  name: string,
): [number, number] {
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !Number.isFinite(range[0]) ||
    !Number.isFinite(range[1]) ||
    range[0] > range[1]
  ) {
    throw new Error(
      `${fn}: ${name} must be a [low, high] pair with low <= high, got ${JSON.stringify(range)}`,
    );
  }
  return [range[0], range[1]];
}

/** Per-sample values as a JS array of length `batch`, validated with `valid`. */
export function perSampleArray(
  values: number | ArrayLike<number>,
  batch: number,
  fn: string,
  name: string,
  valid?: (v: number) => boolean,
  expectation?: string,
): number[] {
  const arr =
    typeof values === 'number' ? new Array<number>(batch).fill(values) : Array.from(values);
  if (arr.length !== batch) {
    throw new Error(`${fn}: ${name} must have ${batch} (batch) values, got ${arr.length}`);
  }
  if (valid) {
    const bad = arr.find((v) => !valid(v));
    if (bad !== undefined)
      throw new Error(`${fn}: every ${name} must be ${expectation}, got ${bad}`);
  }
  return arr;
}

/** One Bernoulli(p) draw per sample; no draws when p is 0 or 1 (the outcome is certain). */
export function drawMask(batch: number, p: number, rng: Rng): boolean[] {
  if (p >= 1) return new Array<boolean>(batch).fill(true);
  if (p <= 0) return new Array<boolean>(batch).fill(false);
  return Array.from({ length: batch }, () => rng.bernoulli(p));
}

/**
 * Per-sample choice between two tensors of the same shape: sample i of the result is `a[i]` where
 * `mask[i]`, else `b[i]`. The condition is built at full size in JS: tfjs broadcasts a
 * [batch, 1, ...] condition through Tile, which is slow on wasm. Returns new tensors (clones when
 * one side is chosen for every sample).
 */
export function selectSamples<T extends tf.Tensor>(mask: readonly boolean[], a: T, b: T): T {
  if (mask.every((m) => m)) return a.clone();
  if (mask.every((m) => !m)) return b.clone();
  const per = a.size / a.shape[0];
  const cond = new Uint8Array(a.size);
  mask.forEach((m, i) => {
    if (m) cond.fill(1, i * per, (i + 1) * per);
  });
  return tf.where(tf.tensor(cond, a.shape, 'bool'), a, b) as T;
}

/** `value` where `cond` (a full-size 0/1 mask in row-major order) is 1, else `x`. */
export function fillWhere<T extends tf.Tensor>(x: T, cond: Uint8Array, value: number): T {
  if (!cond.includes(1)) return x.clone();
  return tf.where(tf.tensor(cond, x.shape, 'bool'), tf.fill(x.shape, value, x.dtype), x) as T;
}

/** Python's round(): halves go to the even neighbour (torchvision's crop sizes use it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Draws iid intervals along an axis of length `size` for each sample (SpecAugment): `numMasks`
 * intervals per selected sample, width an integer uniform in [0, maxWidth), start an integer
 * uniform in [0, size - width]. Returns a [batch * size] 0/1 mask (1 = masked).
 */
export function drawIntervalMask(
  batch: number,
  size: number,
  maxWidth: number,
  numMasks: number,
  p: number,
  maxProportion: number,
  rng: Rng,
): Uint8Array {
  const cap = Math.min(maxWidth, maxProportion < 1 ? Math.floor(maxProportion * size) : maxWidth);
  const mask = new Uint8Array(batch * size);
  const apply = drawMask(batch, p, rng);
  for (let b = 0; b < batch; b++) {
    if (!apply[b]) continue;
    for (let m = 0; m < numMasks; m++) {
      const width = Math.min(Math.floor(rng.float() * cap), size);
      const start = rng.int(size - width + 1);
      mask.fill(1, b * size + start, b * size + start + width);
    }
  }
  return mask;
}

/** Validates mask options; shared with the frequency mask. */
export function checkMaskOptions(
  options: SpecAugmentMaskOptions,
  fn: string,
): Required<SpecAugmentMaskOptions> {
  const { maxWidth } = options;
  const numMasks = options.numMasks ?? 1;
  if (!(Number.isInteger(maxWidth) && maxWidth >= 0)) {
    throw new Error(`${fn}: maxWidth must be a non-negative integer, got ${maxWidth}`);
  }
  if (!(Number.isInteger(numMasks) && numMasks >= 0)) {
    throw new Error(`${fn}: numMasks must be a non-negative integer, got ${numMasks}`);
  }
  const maskValue = options.maskValue ?? 0;
  if (!Number.isFinite(maskValue))
    throw new Error(`${fn}: maskValue must be a finite number, got ${maskValue}`);
  return {
    maxWidth,
    numMasks,
    maskValue,
    p: checkProbability(options.p ?? 1, fn),
    maxProportion: checkProbability(options.maxProportion ?? 1, fn, 'maxProportion'),
  };
}
