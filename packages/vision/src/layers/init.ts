// Internal: seeded initializers reproducing PyTorch's (torchvision, timm, MAE) initialization.
// Each returns a tfjs initializer object whose config stores the seed, so a model rebuilt from its
// JSON config draws the same values.
import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '@selfsup/core';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Uniform on [-limit, limit). */
export function uniformInit(limit: number, seed: number): Initializer {
  return tf.initializers.randomUniform({ minval: -limit, maxval: limit, seed });
}

/** Untruncated normal with mean 0 (PyTorch's `normal_`; tfjs' `heNormal` is truncated). */
export function normalInit(stddev: number, seed: number): Initializer {
  return tf.initializers.randomNormal({ mean: 0, stddev, seed });
}

/**
 * torchvision's conv init, `kaiming_normal_(w, mode='fan_out', nonlinearity='relu')`:
 * std = sqrt(2 / fan_out), fan_out = out_channels * kh * kw, for a tfjs kernel [kh, kw, in, out].
 */
export function kaimingNormalFanOut(kernelShape: readonly number[], seed: number): Initializer {
  const [kh, kw, , out] = kernelShape;
  return normalInit(Math.sqrt(2 / (kh * kw * out)), seed);
}

/**
 * PyTorch's default `nn.Linear` (and conv bias) init: `kaiming_uniform_(a=sqrt(5))` for the weight
 * and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias; both reduce to U(+-1/sqrt(fan_in)).
 */
export function torchDefaultInit(fanIn: number, seed: number): Initializer {
  return uniformInit(1 / Math.sqrt(fanIn), seed);
}

/** `xavier_uniform_`: U(+-sqrt(6 / (fan_in + fan_out))). */
export function xavierUniformInit(fanIn: number, fanOut: number, seed: number): Initializer {
  return uniformInit(Math.sqrt(6 / (fanIn + fanOut)), seed);
}

/**
 * The seed a seeded custom layer stores in its config: the given one, else a draw from `rng`
 * (or the global generator). Storing it makes `fromConfig` rebuild the same initial weights
 * without consuming the global generator.
 */
export function layerSeed(seed: number | undefined, rng: Rng | undefined, layer: string): number {
  if (seed != null) {
    if (!Number.isInteger(seed) || seed < 0) {
      throw new Error(`${layer}: seed must be a non-negative integer, got ${seed}`);
    }
    return seed;
  }
  return resolveRng(rng).seed();
}
