/**
 * Seeded random number generation. Every random draw in selfsup (weight init, masks,
 * augmentations, shuffles) goes through an {@link Rng}, so one seed reproduces a run and a
 * checkpoint can store the generator's exact position.
 *
 * The generator is xoshiro128** (Blackman & Vigna), seeded through splitmix32: fast in JS
 * (32-bit integer arithmetic only), 2^128 - 1 period, and a 4-word state that serializes as JSON.
 */

/** Serializable position of an {@link Rng}: four unsigned 32-bit words. */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  readonly s: readonly [number, number, number, number];
}

/**
 * A deterministic random generator with serializable state.
 *
 * @example
 * ```ts
 * import { createRng } from '@selfsup/core';
 * const rng = createRng(42);
 * const x = rng.float();          // uniform in [0, 1)
 * const saved = rng.state();
 * const y = rng.float();
 * rng.setState(saved);
 * rng.float() === y;              // true
 * ```
 */
export interface Rng {
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  float(): number;
  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number;
  /** Uniform integer in [0, maxExclusive). Unbiased (rejection sampling). */
  int(maxExclusive: number): number;
  /** Standard normal draw (Box-Muller; no cached spare, so the state stays four words). */
  normal(mean?: number, std?: number): number;
  /** True with probability p. */
  bernoulli(p: number): boolean;
  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array;
  /** A 31-bit seed for tfjs random ops (`tf.randomNormal(shape, 0, 1, 'float32', seed)`). */
  seed(): number;
  /** A new independent generator derived from this one (advances this one by one draw). */
  fork(): Rng;
  /** The exact position of the generator. */
  state(): RngState;
  /** Restores a position returned by {@link Rng.state}. */
  setState(state: RngState): void;
}

function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

class Xoshiro128 implements Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    if (!Number.isFinite(seed))
      throw new Error(`createRng: seed must be a finite number, got ${seed}`);
    // Mix in the high bits of seeds above 2^32 so that e.g. 1 and 2^32 + 1 differ.
    const sm = splitmix32((seed >>> 0) ^ Math.floor(Math.abs(seed) / 4294967296));
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  float(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 4294967296) {
      throw new Error(`Rng.int: maxExclusive must be an integer in [1, 2^32], got ${maxExclusive}`);
    }
    // Rejection sampling removes the modulo bias.
    const limit = 4294967296 - (4294967296 % maxExclusive);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % maxExclusive;
  }

  normal(mean = 0, std = 1): number {
    let u = this.float();
    while (u === 0) u = this.float();
    const v = this.float();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }

  seed(): number {
    return this.nextUint32() >>> 1;
  }

  fork(): Rng {
    return new Xoshiro128(this.nextUint32());
  }

  state(): RngState {
    return { algorithm: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3] };
  }

  setState(state: RngState): void {
    if (state?.algorithm !== 'xoshiro128**' || !Array.isArray(state.s) || state.s.length !== 4) {
      throw new Error(`Rng.setState: expected an xoshiro128** state, got ${JSON.stringify(state)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((w) => w >>> 0) as [
      number,
      number,
      number,
      number,
    ];
  }
}

/**
 * Creates a deterministic generator from a seed.
 *
 * @example
 * ```ts
 * const rng = createRng(0);
 * const order = rng.permutation(10);
 * ```
 */
export function createRng(seed: number): Rng {
  return new Xoshiro128(seed);
}

/**
 * Seed of the global generator used when a function is given no `rng`.
 *
 * @example
 * ```ts
 * setGlobalSeed(DEFAULT_SEED); // back to the state at import time
 * ```
 */
export const DEFAULT_SEED = 0;
let globalRng: Rng = createRng(DEFAULT_SEED);

/**
 * The generator used by every random function called without an explicit `rng`.
 *
 * @example
 * ```ts
 * setGlobalSeed(123);
 * const x = getGlobalRng().float();
 * ```
 */
export function getGlobalRng(): Rng {
  return globalRng;
}

/**
 * Re-seeds the global generator.
 *
 * @example
 * ```ts
 * setGlobalSeed(42);
 * const mask = randomPatchMask(8, 196, 0.75); // drawn from the global generator
 * ```
 */
export function setGlobalSeed(seed: number): void {
  globalRng = createRng(seed);
}

/**
 * `rng ?? getGlobalRng()`: the default used by every function that takes an optional generator.
 *
 * @example
 * ```ts
 * function dropout(x: number[], p: number, rng?: Rng): number[] {
 *   const r = resolveRng(rng);
 *   return x.map((v) => (r.bernoulli(p) ? 0 : v / (1 - p)));
 * }
 * ```
 */
export function resolveRng(rng?: Rng): Rng {
  return rng ?? globalRng;
}
