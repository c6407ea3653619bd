import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { imageShape } from './_internal';
import { resizedCrop } from './resized-crop';
import { sampleResizedCropBoxes, type ResizedCropRanges } from './sample-resized-crop-boxes';
import type { Transform } from './types';

/** Options of {@link randomResizedCrop}. */
export interface RandomResizedCropOptions extends ResizedCropRanges {
  /** Output size: `[height, width]`, or one number for a square. */
  size: number | readonly [number, number];
}

/**
 * torchvision's `RandomResizedCrop`, per sample: each image gets its own box (area fraction in
 * `scale`, aspect ratio log-uniform in `ratio`, 10 attempts then a central crop; see
 * {@link sampleResizedCropBoxes}), resized bilinearly to `size` (see {@link resizedCrop}). The
 * whole batch is one `cropAndResize` call.
 *
 * @example
 * ```ts
 * const crop = randomResizedCrop({ size: 32, scale: [0.08, 1], ratio: [3 / 4, 4 / 3] });
 * const views = crop(images, rng); // [B, 32, 32, C]
 * ```
 */
export function randomResizedCrop(options: RandomResizedCropOptions): Transform {
  const size: [number, number] =
    typeof options.size === 'number'
      ? [options.size, options.size]
      : [options.size[0], options.size[1]];
  const ranges: ResizedCropRanges = { scale: options.scale, ratio: options.ratio };
  // Validate the options now rather than at the first batch.
  sampleResizedCropBoxes(1, 1, 0, ranges);
  return (images: tf.Tensor4D, rng) => {
    const [batch, height, width] = imageShape(images, 'randomResizedCrop');
    const boxes = sampleResizedCropBoxes(height, width, batch, ranges, resolveRng(rng));
    return resizedCrop(images, boxes, size);
  };
}
