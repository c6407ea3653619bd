import type * as tf from '@tensorflow/tfjs';
import { randomResizedCrop } from '../augment/index';
import type { ElementContext } from './dataset';
import { imagesOf } from './internal/images-of';
import type { ImageTransform, Views } from './two-views';

/**
 * One kind of crop in {@link multiCrop}: output size, range of the crop's area as a fraction of
 * the image, and how many such views.
 *
 * @example
 * ```ts
 * const local: CropSpec = { size: 96, scale: [0.05, 0.4], count: 6 };
 * ```
 */
export interface CropSpec {
  /** Output side in pixels (square), or `[height, width]`. */
  size: number | readonly [number, number];
  /** Range of the crop area as a fraction of the image area. */
  scale: readonly [number, number];
  /** Number of views of this kind (global: 2 by default, local: 0 by default). */
  count?: number;
}

/**
 * Options of {@link multiCrop}.
 *
 * @example
 * ```ts
 * const o: MultiCropOptions = { global: { size: 32, scale: [0.4, 1] }, local: { size: 16, scale: [0.05, 0.4], count: 4 } };
 * ```
 */
export interface MultiCropOptions {
  global: CropSpec;
  local?: CropSpec;
  /** Range of the crop's aspect ratio (width / height); default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  /** Augmentation applied to each view after cropping (flips, color jitter, ...). */
  augment?: { global?: ImageTransform; local?: ImageTransform };
}

/**
 * Builds the element function of multi-crop augmentation (SwAV, DINO): `global.count` (default
 * 2) random-resized crops of each image at the global size and scale, and `local.count` small
 * ones, each then augmented. Views come out globals first: `views = [g1, g2, l1, ..., lN]`. Crops
 * use `randomResizedCrop` from the augment module (a new box per image and view). Use it through
 * `dataset.multiCrop(options)` or `dataset.map(multiCrop(options))`.
 *
 * @example
 * ```ts
 * const crops = images.batch(64).multiCrop({
 *   global: { size: 32, scale: [0.4, 1] },
 *   local: { size: 16, scale: [0.05, 0.4], count: 4 },
 * });
 * ```
 */
export function multiCrop<T>(options: MultiCropOptions): (x: T, ctx: ElementContext) => Views<T> {
  const ratio = options.ratio ?? [3 / 4, 4 / 3];
  for (const [name, spec] of [
    ['global', options.global],
    ['local', options.local],
  ] as const) {
    if (spec && !(spec.scale[0] > 0 && spec.scale[0] <= spec.scale[1] && spec.scale[1] <= 1)) {
      throw new Error(
        `multiCrop: ${name}.scale must satisfy 0 < min <= max <= 1, got [${spec.scale.join(', ')}]`,
      );
    }
  }
  const kinds: { crop: ImageTransform; count: number; augment?: ImageTransform }[] = [
    {
      crop: randomResizedCrop({ size: options.global.size, scale: options.global.scale, ratio }),
      count: options.global.count ?? 2,
      augment: options.augment?.global,
    },
  ];
  if (options.local) {
    kinds.push({
      crop: randomResizedCrop({ size: options.local.size, scale: options.local.scale, ratio }),
      count: options.local.count ?? 0,
      augment: options.augment?.local,
    });
  }
  return (x, ctx) => {
    const { images, rest } = imagesOf(x, 'multiCrop');
    const rng = ctx.rng;
    const views: tf.Tensor4D[] = [];
    for (const kind of kinds) {
      for (let v = 0; v < kind.count; v++) {
        const cropped = kind.crop(images, rng);
        views.push(kind.augment ? kind.augment(cropped, rng) : cropped);
      }
    }
    return { ...rest, views } as unknown as Views<T>;
  };
}
