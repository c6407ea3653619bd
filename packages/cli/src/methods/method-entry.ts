import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng, type SSLMethod } from '@selfsup/core';
import * as vision from '@selfsup/vision';
import { smallConvNet } from '@selfsup/vision';
import { z } from 'zod';

/** The views batch every vision method trains on: `{ views: [B, H, W, C][] }`. */
export interface ViewsBatch {
  readonly views: readonly tf.Tensor4D[];
}

/** Augmentation recipes the CLI can build (see `augment:` in the config). */
export type ViewsRecipe = 'simclr' | 'moco-v2' | 'byol' | 'multi-crop';

/**
 * A method's optimizer as its paper trains it: the shape of `@selfsup/vision`'s `OptimizerRecipe`
 * (each method class's static `recipe`).
 */
export interface PaperRecipe {
  readonly optimizer: 'lars' | 'sgd' | 'adamw';
  readonly baseLearningRate: number;
  readonly learningRateScaling: 'linear' | 'sqrt';
  readonly weightDecay: number;
  readonly momentum?: number;
  readonly trustCoefficient?: number;
  readonly beta2?: number;
  readonly warmupEpochs: number;
  readonly finalLearningRateFactor?: number;
  readonly finalLearningRate?: number;
  readonly reference: {
    readonly batchSize: number;
    readonly epochs: number;
    readonly source: string;
  };
}

/** A method class of `@selfsup/vision`, as the CLI uses it. */
export interface MethodClass {
  new (options: never, rng?: Rng): SSLMethod<ViewsBatch>;
  readonly recipe?: PaperRecipe;
}

/** What one registry entry declares; see {@link defineMethod}. */
export interface MethodSpec {
  /** CLI name, e.g. `simclr`. */
  name: string;
  /** Export name of the class in `@selfsup/vision`, e.g. `SimCLR`. */
  className: string;
  /** Display name and reference. */
  title: string;
  paper: string;
  /** The augmentation recipe of the paper. */
  views: ViewsRecipe;
  /**
   * The method's hyperparameters under `method:` in a config: a strict zod object, every key
   * optional. Keys are those of the method's `config()`, so their defaults are read from it.
   */
  options: z.AnyZodObject;
  /**
   * Defaults the entry states itself rather than reading them from the class: the paper's head
   * widths, which the class uses when given no head (reading them would build, say, Barlow Twins'
   * 8192-wide projector just to look at it). When building a method, a value equal to its default
   * lets the class build its own head.
   */
  headDefaults?: Record<string, number>;
  /** Training settings the paper fixes (DINO clips gradients at norm 3). */
  trainDefaults?: { clipNorm?: number };
  /** Builds the method around `encoder` from the resolved options. */
  create(
    cls: MethodClass,
    encoder: tf.LayersModel,
    options: Record<string, unknown>,
    rng: Rng,
    context: MethodContext,
  ): SSLMethod<ViewsBatch>;
}

/** What a method may need to know about the run. */
export interface MethodContext {
  /** Training images (MoCo's queue never holds more keys than this). */
  datasetSize?: number;
  /** Optimizer steps per epoch (DINO's epoch-based warm-ups). */
  stepsPerEpoch?: number;
}

/**
 * One method of the CLI's registry: its spec plus what is read from `@selfsup/vision` at run
 * time (the class, its paper recipe, its default hyperparameters).
 */
export interface MethodEntry extends MethodSpec {
  /** The class, or undefined when this build of `@selfsup/vision` does not export it yet. */
  readonly cls: MethodClass | undefined;
  /** The paper's optimizer (the class's static `recipe`). */
  recipe(): PaperRecipe;
  /** Default hyperparameters: the values the class itself picks, read from its `config()`. */
  defaults(): Record<string, unknown>;
  /** Builds the method. */
  build(
    encoder: tf.LayersModel,
    options: Record<string, unknown>,
    rng: Rng,
    context?: MethodContext,
  ): SSLMethod<ViewsBatch>;
}

/**
 * Frees every variable a method holds (its networks' weights included) and its own tensors.
 *
 * @example
 * ```ts
 * disposeMethod(method); // after evaluation, before the next run in the same process
 * ```
 */
export function disposeMethod(method: SSLMethod<unknown>): void {
  const vars = new Set(Object.values(method.allVariables()));
  // The method first (targets, queues), then whatever variables are left.
  method.dispose?.();
  for (const v of vars) if (!v.isDisposed) v.dispose();
}

/**
 * Turns a spec into a registry entry. The class is looked up by name in `@selfsup/vision`, so a
 * method whose class is not exported yet is listed as unavailable instead of breaking the CLI.
 *
 * @example
 * ```ts
 * const simclr = defineMethod({ name: 'simclr', className: 'SimCLR', ... });
 * simclr.defaults(); // { temperature: 0.5, projectionDim: 128 }
 * ```
 */
export function defineMethod(spec: MethodSpec): MethodEntry {
  const cls = (vision as unknown as Record<string, unknown>)[spec.className] as
    MethodClass | undefined;
  let defaults: Record<string, unknown> | undefined;
  const need = (): MethodClass => {
    if (typeof cls !== 'function') {
      throw new Error(
        `${spec.title}: this build of @selfsup/vision does not export ${spec.className}`,
      );
    }
    return cls;
  };
  return {
    ...spec,
    cls: typeof cls === 'function' ? cls : undefined,
    recipe() {
      const r = need().recipe;
      if (!r) throw new Error(`${spec.className} has no static recipe (its paper's optimizer)`);
      return r;
    },
    defaults() {
      if (defaults) return { ...defaults };
      // Build the method once around a tiny encoder and read back the values it chose.
      const c = need();
      const heads = spec.headDefaults ?? {};
      const keys = Object.keys(spec.options.shape).filter((k) => !(k in heads));
      const encoder = smallConvNet(
        { inputShape: [8, 8, 1], widths: [4], name: 'probe_encoder' },
        createRng(0),
      );
      // Tiny heads: only the hyperparameters are read from this instance.
      const tiny = Object.fromEntries(Object.keys(heads).map((k) => [k, 8]));
      const method = spec.create(c, encoder, tiny, createRng(0), { stepsPerEpoch: 1 });
      try {
        const config = method.config();
        defaults = {
          ...Object.fromEntries(
            keys.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]),
          ),
          ...heads,
        };
      } finally {
        disposeMethod(method);
      }
      return { ...defaults };
    },
    build(encoder, options, rng, context = {}) {
      // Head widths equal to the paper's: let the class build its own heads.
      const opts = { ...options };
      for (const [k, v] of Object.entries(spec.headDefaults ?? {}))
        if (opts[k] === v) delete opts[k];
      return spec.create(need(), encoder, opts, rng, context);
    },
  };
}
