import * as tf from '@tensorflow/tfjs';
import { Dataset } from './dataset';

/**
 * A labelled image set held in memory as raw bytes (what the IDX loaders return): `count`
 * images of `height x width x channels` bytes in row-major NHWC order, and their labels.
 *
 * @example
 * ```ts
 * const test = await loadMnist({ split: 'test' });
 * test.images.length === test.count * 28 * 28; // true
 * ```
 */
export interface ImageArrays {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Name of each label value. */
  classNames: string[];
}

/**
 * One labelled image: `image` is float32 `[height, width, channels]` in [0, 1] (or raw 0-255 with
 * `normalize: false`); `label` is the class index (-1 when unlabelled).
 *
 * @example
 * ```ts
 * const { image, label } = (await imageArraysDataset(test).take(1).toArray())[0];
 * ```
 */
export interface ImageSample {
  image: tf.Tensor3D;
  label: number;
  /** The file the image came from, for folder loaders. */
  path?: string;
}

/**
 * A random-access {@link Dataset} over {@link ImageArrays}: element `i` is image `i` as a
 * float32 tensor scaled to [0, 1] (unless `normalize: false`) with its label. Tensors are made
 * per element from the bytes, so the whole set never sits in tensor memory.
 *
 * @example
 * ```ts
 * const train = imageArraysDataset(await loadMnist()).shuffle(undefined, createRng(0)).batch(256);
 * ```
 */
export function imageArraysDataset(
  arrays: ImageArrays,
  options: { normalize?: boolean } = {},
): Dataset<ImageSample> {
  const { count, height, width, channels } = arrays;
  const size = height * width * channels;
  if (arrays.images.length !== count * size) {
    throw new Error(
      `imageArraysDataset: images has ${arrays.images.length} bytes, expected count x height x width x channels = ${count * size}`,
    );
  }
  if (arrays.labels.length !== count) {
    throw new Error(`imageArraysDataset: ${arrays.labels.length} labels for ${count} images`);
  }
  const scale = options.normalize === false ? 1 : 1 / 255;
  return Dataset.from<ImageSample>({
    name: `images(${count}x${height}x${width}x${channels})`,
    randomAccess: {
      length: count,
      signature: `imageArrays(${count},${height},${width},${channels},${scale})`,
      get: (i) => {
        const pixels = new Float32Array(size);
        const src = arrays.images.subarray(i * size, (i + 1) * size);
        for (let j = 0; j < size; j++) pixels[j] = src[j] * scale;
        return { image: tf.tensor3d(pixels, [height, width, channels]), label: arrays.labels[i] };
      },
    },
  });
}
