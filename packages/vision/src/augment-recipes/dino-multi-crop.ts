import * as tf from '@tensorflow/tfjs';
import type { ElementContext, NormalizeOptions, Transform, Views } from '@selfsup/core';
import { viewAugment } from './view-augment';

/**
 * Options of {@link dinoMultiCrop}.
 *
 * @example
 * ```ts
 * const o: DinoMultiCropOptions = { globalSize: 32, localSize: 16, localCrops: 6 };
 * ```
 */
export interface DinoMultiCropOptions {
  /** Side of the two global crops (DINO: 224). */
  globalSize: number;
  /** Side of the local crops (DINO: 96). */
  localSize: number;
  /** Number of local crops. Default 8 (DINO's `--local_crops_number`). */
  localCrops?: number;
  /** Area range of the global crops. Default [0.4, 1] (`--global_crops_scale`). */
  globalScale?: readonly [number, number];
  /** Area range of the local crops. Default [0.05, 0.4] (`--local_crops_scale`). */
  localScale?: readonly [number, number];
  /** Probability of a horizontal flip. Default 0.5. */
  flip?: number;
  /**
   * Gaussian blur as DINO (global 1: always, global 2: p 0.1, local: p 0.5). Default true for global
   * crops of 96 px and more, false below (no blur on CIFAR-sized images, as solo-learn).
   */
  blur?: boolean;
  /** Per-channel normalization applied last to every crop, if given. */
  normalize?: NormalizeOptions;
}

/**
 * DINO's multi-crop augmentation (`DataAugmentationDINO` in facebookresearch/dino
 * `main_dino.py`) as a dataset stage: from each batch of images (or records with an `image`
 * field), two global crops and `localCrops` local crops, all with a horizontal flip, colour jitter
 * 0.4 / 0.4 / 0.2 / 0.1 with probability 0.8 and grayscale with probability 0.2; the first global
 * crop is always blurred, the second blurred with probability 0.1 and solarized with probability
 * 0.2, the local crops blurred with probability 0.5. Views come out globals first:
 * `{ views: [g1, g2, l1, ..., lN], ...otherFields }`, what {@link DINO} trains on. Random draws come
 * from the element's generator, so a resumed pipeline repeats them.
 *
 * @example
 * ```ts
 * const crops = images.batch(64).map(dinoMultiCrop({ globalSize: 32, localSize: 16, localCrops: 6 }), createRng(0));
 * ```
 */
export function dinoMultiCrop<T>(
  options: DinoMultiCropOptions,
): (x: T, ctx: ElementContext) => Views<T> {
  const { globalSize, localSize } = options;
  for (const [name, v] of [
    ['globalSize', globalSize],
    ['localSize', localSize],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new Error(`dinoMultiCrop: ${name} must be a positive integer, got ${String(v)}`);
  }
  const localCrops = options.localCrops ?? 8;
  if (!Number.isInteger(localCrops) || localCrops < 0) {
    throw new Error(
      `dinoMultiCrop: localCrops must be a non-negative integer, got ${String(localCrops)}`,
    );
  }
  const blur = options.blur ?? globalSize >= 96;
  const common = {
    flip: options.flip ?? 0.5,
    jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 },
    jitterP: 0.8,
    grayscale: 0.2,
    normalize: options.normalize,
  };
  const globalScale = options.globalScale ?? [0.4, 1];
  const global1: Transform = viewAugment({
    ...common,
    size: globalSize,
    scale: globalScale,
    blur: blur ? 1 : 0,
  });
  const global2: Transform = viewAugment({
    ...common,
    size: globalSize,
    scale: globalScale,
    blur: blur ? 0.1 : 0,
    solarize: 0.2,
  });
  const local: Transform = viewAugment({
    ...common,
    size: localSize,
    scale: options.localScale ?? [0.05, 0.4],
    blur: blur ? 0.5 : 0,
  });
  return (x: T, ctx: ElementContext) => {
    const { images, rest } = imagesOf(x);
    const rng = ctx.rng;
    const views: tf.Tensor4D[] = [global1(images, rng), global2(images, rng)];
    for (let i = 0; i < localCrops; i++) views.push(local(images, rng));
    return { ...rest, views } as unknown as Views<T>;
  };
}

/** The images of a dataset element: the element itself, or its `image` field (the rest is kept). */
function imagesOf(x: unknown): { images: tf.Tensor4D; rest: Record<string, unknown> } {
  const where = 'dinoMultiCrop';
  let images: unknown = x;
  let rest: Record<string, unknown> = {};
  if (!(x instanceof tf.Tensor) && x !== null && typeof x === 'object' && 'image' in x) {
    ({ image: images, ...rest } = x as { image: unknown });
  }
  if (!(images instanceof tf.Tensor))
    throw new Error(
      `${where}: expected a Tensor4D batch or a record with an 'image' Tensor4D field`,
    );
  if (images.rank !== 4) {
    throw new Error(
      `${where}: expected images [batch, height, width, channels], got shape [${images.shape.join(', ')}]; batch the dataset first`,
    );
  }
  return { images: images as tf.Tensor4D, rest };
}
