import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/index';
import type { ElementContext } from './dataset';
import { imagesOf } from './internal/images-of';

/**
 * An image augmentation as `src/augment` defines it: a batch of NHWC images in, the same shape
 * out, random draws from `rng`.
 *
 * @example
 * ```ts
 * const flip: ImageTransform = (x, rng) => (rng!.bernoulli(0.5) ? tf.image.flipLeftRight(x) : x.clone());
 * ```
 */
export type ImageTransform = (images: tf.Tensor4D, rng?: Rng) => tf.Tensor4D;

/**
 * A batch seen through several augmented views, plus the other fields of the input record
 * (labels, paths) unchanged.
 *
 * @example
 * ```ts
 * const v: Views<{ image: tf.Tensor4D; label: number[] }> = { views: [a, b], label: [0, 1] };
 * ```
 */
export type Views<T> = T extends tf.Tensor
  ? { views: tf.Tensor4D[] }
  : Omit<T, 'image'> & { views: tf.Tensor4D[] };

/**
 * Builds the element function that turns a batch of images (or a record with an `image` field)
 * into two independently augmented views, as SimCLR, MoCo and BYOL train on. Give two transforms
 * for asymmetric augmentation (BYOL). Use it through `dataset.twoViews(augment)` or
 * `dataset.map(twoViews(augment))`; the random draws come from the element's rng, so a resumed
 * pipeline reproduces them.
 *
 * @example
 * ```ts
 * const pairs = images.batch(256).twoViews(augment);
 * for await (const { views: [a, b] } of pairs) { ... }
 * ```
 */
export function twoViews<T>(
  augment: ImageTransform | readonly [ImageTransform, ImageTransform],
): (x: T, ctx: ElementContext) => Views<T> {
  const [first, second] = Array.isArray(augment)
    ? (augment as readonly [ImageTransform, ImageTransform])
    : [augment as ImageTransform, augment as ImageTransform];
  return (x, ctx) => {
    const { images, rest } = imagesOf(x, 'twoViews');
    const rng = ctx.rng;
    const a = first(images, rng);
    const b = second(images, rng);
    return { ...rest, views: [a, b] } as unknown as Views<T>;
  };
}
