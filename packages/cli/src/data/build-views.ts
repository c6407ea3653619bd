import * as tf from '@tensorflow/tfjs';
import { imageArraysDataset, type Dataset, type ImageArrays, type Rng } from '@selfsup/core';
import * as vision from '@selfsup/vision';
import type { AugmentConfig } from '../config/schema';
import { usageError } from '../errors';
import type { ViewsBatch } from '../methods/method-entry';

type Transform = (images: tf.Tensor4D, rng?: Rng) => tf.Tensor4D;
type ElementFn = (x: tf.Tensor4D, ctx: { rng: Rng }) => ViewsBatch;

/** The augmentation recipes of @selfsup/vision, looked up when used (so a build without one fails with a clear message). */
function recipe<T>(name: string): T {
  const fn = (vision as unknown as Record<string, unknown>)[name];
  if (typeof fn !== 'function')
    throw new Error(
      `this build of @selfsup/vision does not export the augmentation recipe ${name}`,
    );
  return fn as T;
}

/** Options of {@link viewsDataset}. */
export interface ViewsDatasetOptions {
  batchSize: number;
  /** Side of the images the encoder sees (images of another size are resized first). */
  imageSize: number;
  augment: AugmentConfig;
  /** Shuffles the images each epoch. */
  shuffleRng: Rng;
  /** Draws the augmentations. */
  viewsRng: Rng;
}

/**
 * The pretraining pipeline: the images shuffled every epoch, batched (the last, smaller batch
 * dropped), resized if needed, and turned into the views of the method's augmentation recipe.
 * Every random draw comes from the given generators, so a resumed run repeats them.
 *
 * @example
 * ```ts
 * const data = viewsDataset(train, { batchSize: 256, imageSize: 28, augment, shuffleRng, viewsRng });
 * ```
 */
export function viewsDataset(
  images: ImageArrays,
  options: ViewsDatasetOptions,
): Dataset<ViewsBatch> {
  const { batchSize, imageSize, augment: a } = options;
  if (images.count < batchSize) {
    throw usageError(
      `the ${images.count} training images do not fill one batch of ${batchSize}`,
      'lower train.batchSize (--batch-size) or raise data.limit',
    );
  }
  const resize = images.height !== imageSize || images.width !== imageSize;
  const batches = imageArraysDataset(images)
    .shuffle(undefined, options.shuffleRng)
    .batch(batchSize, { dropRemainder: true })
    .map(({ image }) =>
      resize ? (tf.image.resizeBilinear(image, [imageSize, imageSize]) as tf.Tensor4D) : image,
    );
  const minScale = a.minScale ?? undefined;
  const blur = a.blur ?? undefined;
  let views: Dataset<ViewsBatch>;
  switch (a.recipe) {
    case 'simclr':
      views = batches.twoViews(
        recipe<(o: object) => Transform>('simclrAugment')({
          size: imageSize,
          minScale,
          flip: a.flip,
          blur,
          jitterStrength: a.jitterStrength,
        }),
        options.viewsRng,
      );
      break;
    case 'moco-v2':
      views = batches.twoViews(
        recipe<(o: object) => Transform>('mocoV2Augment')({
          size: imageSize,
          minScale,
          flip: a.flip,
          blur,
        }),
        options.viewsRng,
      );
      break;
    case 'byol':
      views = batches.twoViews(
        recipe<(o: object) => [Transform, Transform]>('byolAugment')({
          size: imageSize,
          minScale,
          flip: a.flip,
        }),
        options.viewsRng,
      );
      break;
    case 'multi-crop': {
      const localSize = a.localSize ?? Math.max(8, Math.round((imageSize * 96) / 224));
      views = batches.map(
        recipe<(o: object) => ElementFn>('dinoMultiCrop')({
          globalSize: imageSize,
          localSize,
          localCrops: a.localCrops,
          flip: a.flip,
        }),
        options.viewsRng,
      );
      break;
    }
  }
  return views.prefetch(2);
}
