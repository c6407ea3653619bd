import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '../random/index';
import { blend } from './_color';
import { adjustHue } from './adjust-hue';
import { checkProbability, checkRange, imageShape } from './_internal';
import { randomApply } from './random-apply';
import type { Transform } from './types';

/** Options of {@link colorJitter}. */
export interface ColorJitterOptions {
  /** b: factor uniform in [max(0, 1 - b), 1 + b], or an explicit [min, max]. 0 (default) = off. */
  brightness?: number | readonly [number, number];
  /** c: factor uniform in [max(0, 1 - c), 1 + c], or an explicit [min, max]. 0 (default) = off. */
  contrast?: number | readonly [number, number];
  /** s: factor uniform in [max(0, 1 - s), 1 + s], or an explicit [min, max]. 0 (default) = off. */
  saturation?: number | readonly [number, number];
  /** h in [0, 0.5]: shift uniform in [-h, h], or an explicit [min, max] within [-0.5, 0.5]. */
  hue?: number | readonly [number, number];
  /** Probability that a sample is jittered at all (solo-learn's `RandomApply(ColorJitter, 0.8)`). Default 1. */
  p?: number;
}

type Range = [number, number] | null;

/** torchvision's `ColorJitter._check_input`; null when the op is a no-op. */
function factorRange(name: string, v: number | readonly [number, number] | undefined): Range {
  if (v === undefined) return null;
  let range: [number, number];
  if (typeof v === 'number') {
    if (!(v >= 0)) throw new Error(`colorJitter: ${name} must be non-negative, got ${v}`);
    range = [Math.max(0, 1 - v), 1 + v];
  } else {
    range = checkRange(v, 'colorJitter', name);
    if (range[0] < 0)
      throw new Error(`colorJitter: ${name} range must be non-negative, got ${JSON.stringify(v)}`);
  }
  return range[0] === 1 && range[1] === 1 ? null : range;
}

function hueRange(v: number | readonly [number, number] | undefined): Range {
  if (v === undefined) return null;
  let range: [number, number];
  if (typeof v === 'number') {
    if (!(v >= 0 && v <= 0.5)) throw new Error(`colorJitter: hue must be in [0, 0.5], got ${v}`);
    range = [-v, v];
  } else {
    range = checkRange(v, 'colorJitter', 'hue');
    if (range[0] < -0.5 || range[1] > 0.5) {
      throw new Error(
        `colorJitter: hue range must be within [-0.5, 0.5], got ${JSON.stringify(v)}`,
      );
    }
  }
  return range[0] === 0 && range[1] === 0 ? null : range;
}

const BRIGHTNESS = 0;
const CONTRAST = 1;
const SATURATION = 2;
const HUE = 3;

/** Blend coefficients (x, gray, mean-gray) of one op with factor f; op -1 is the identity. */
function coefficients(op: number, f: number): [number, number, number] {
  if (op === BRIGHTNESS) return [f, 0, 0];
  if (op === CONTRAST) return [f, 0, 1 - f];
  if (op === SATURATION) return [f, 1 - f, 0];
  return [1, 0, 0];
}

/**
 * torchvision's `ColorJitter`, per sample: each image draws its own random order of the four
 * adjustments and its own factors (brightness, contrast, saturation uniform in
 * `[max(0, 1 - v), 1 + v]`, hue shift uniform in `[-h, h]`), and goes through
 * {@link adjustBrightness}, {@link adjustContrast}, {@link adjustSaturation} and
 * {@link adjustHue} in its order.
 *
 * Vectorized for the whole batch: brightness, contrast and saturation are all
 * `clip(a x + g gray + m mean(gray))` with per-sample coefficients, so one such blend applies to
 * every sample whichever of the three it is at (the identity for samples with nothing to do);
 * the ops a sample has before its hue shift run in up to three blends, then one hue pass for
 * the batch, then up to three blends for the ops after it.
 *
 * One-channel (grayscale) images get brightness and contrast only: saturation and hue are
 * identities on gray images, as in torchvision and PIL.
 *
 * @example
 * ```ts
 * const jitter = colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 });
 * const out = jitter(images, rng);
 * ```
 */
export function colorJitter(options: ColorJitterOptions = {}): Transform {
  const ranges: Range[] = [
    factorRange('brightness', options.brightness),
    factorRange('contrast', options.contrast),
    factorRange('saturation', options.saturation),
    hueRange(options.hue),
  ];
  const p = checkProbability(options.p ?? 1, 'colorJitter');

  const jitterAll: Transform = (images: tf.Tensor4D, rng?: Rng) => {
    const [batch, , , c] = imageShape(images, 'colorJitter');
    if (c !== 1 && c !== 3) throw new Error(`colorJitter: expected 1 or 3 channels, got ${c}`);
    const r = resolveRng(rng);
    // Draws per sample, as torchvision's get_params: an order of the four, then each enabled factor.
    const enabled = (op: number): boolean => ranges[op] !== null && (c === 3 || op < SATURATION);
    const useHue = enabled(HUE);
    const before: number[][] = [];
    const after: number[][] = [];
    const factors: number[][] = [];
    for (let b = 0; b < batch; b++) {
      const order = r.shuffle([0, 1, 2, 3]);
      factors.push(ranges.map((range) => (range ? r.uniform(range[0], range[1]) : 0)));
      const ops = order.filter(enabled);
      const hueAt = useHue ? ops.indexOf(HUE) : ops.length;
      before.push(ops.slice(0, hueAt));
      after.push(ops.slice(hueAt + 1));
    }
    // One batched blend per step: step s applies each sample's s-th op of `lists` (or nothing).
    const blendSteps = (x: tf.Tensor4D, lists: number[][]): tf.Tensor4D => {
      const steps = lists.reduce((m, l) => Math.max(m, l.length), 0);
      for (let s = 0; s < steps; s++) {
        const coefs = lists.map((l, b) => coefficients(l[s] ?? -1, factors[b][l[s] ?? 0]));
        x = blend(
          x,
          coefs.map((v) => v[0]),
          coefs.map((v) => v[1]),
          coefs.map((v) => v[2]),
        );
      }
      return x;
    };
    return tf.tidy(() => {
      let x = blendSteps(images, before);
      if (useHue) {
        x = adjustHue(
          x,
          factors.map((f) => f[HUE]),
        );
      }
      x = blendSteps(x, after);
      return x === images ? images.clone() : x;
    });
  };
  return p >= 1 ? jitterAll : randomApply(jitterAll, p);
}
