import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/index';
import { Dataset } from './dataset';
import { FolderDataset, type LabeledFile } from './folder-dataset';
import type { ImageSample } from './image-arrays';
import { listLabeledFiles, type LabelSource } from './internal/list-files';

/**
 * Options of {@link imageFolder}.
 *
 * @example
 * ```ts
 * const o: ImageFolderOptions = { size: [32, 32], channels: 3, shuffle: true };
 * ```
 */
export interface ImageFolderOptions {
  /** Output size: a side for square images, or `[height, width]`. */
  size: number | readonly [number, number];
  /** 3 (RGB, default) or 1 (grayscale). */
  channels?: 1 | 3;
  /** How to resize (sharp's `fit`): `'cover'` (default: scale and center-crop), `'fill'` (stretch), `'contain'` (pad). */
  fit?: 'cover' | 'fill' | 'contain';
  /** File extensions to read (default .jpg .jpeg .png .webp .gif .tif .tiff .avif). */
  extensions?: readonly string[];
  /** Class of each file (default `'folder'`: `dir/<class>/file`). */
  labels?: LabelSource;
  /** Shuffle the file list each epoch (before decoding; O(1) resume). */
  shuffle?: boolean;
  /** Images decoded at once (default 4; sharp decodes in its own threads). */
  concurrency?: number;
  /** Scale pixels to [0, 1] (default true); false keeps 0-255 as float32. */
  normalize?: boolean;
}

type SharpModule = (typeof import('sharp'))['default'];
let sharpModule: Promise<SharpModule> | undefined;

/** Imports the optional peer dependency sharp, with an error that says how to get it. */
async function loadSharp(): Promise<SharpModule> {
  sharpModule ??= import('sharp').then(
    (m) => (m.default ?? (m as unknown as SharpModule)) as SharpModule,
    (e: unknown) => {
      sharpModule = undefined;
      throw new Error(
        `imageFolder needs the optional peer dependency 'sharp' to decode images: npm install sharp ` +
          `(import failed: ${e instanceof Error ? e.message : String(e)})`,
      );
    },
  );
  return sharpModule;
}

/**
 * Reads a folder of JPEG/PNG/WebP images with class subfolders (`dir/<class>/<file>`), each
 * decoded with sharp (an optional peer dependency, imported on first use), resized to `size`,
 * as RGB or grayscale float32 tensors. Files that fail to decode (truncated, not an image) are
 * skipped and listed in `dataset.report()`; an epoch with none readable throws.
 *
 * @example
 * ```ts
 * const ds = await imageFolder('/data/cifar10-train-5k', { size: 32, shuffle: true }, createRng(0));
 * for await (const { image, label } of ds.batch(64)) { ... }
 * ```
 */
export async function imageFolder(
  dir: string,
  options: ImageFolderOptions,
  rng?: Rng,
): Promise<FolderDataset<ImageSample>> {
  const [height, width] =
    typeof options.size === 'number' ? [options.size, options.size] : options.size;
  if (!(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0)) {
    throw new Error(
      `imageFolder: size must be positive integers, got ${JSON.stringify(options.size)}`,
    );
  }
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3)
    throw new Error(`imageFolder: channels must be 1 or 3, got ${String(channels)}`);
  const scale = options.normalize === false ? 1 : 1 / 255;
  const sharp = await loadSharp();
  const extensions = options.extensions ?? [
    '.jpg',
    '.jpeg',
    '.png',
    '.webp',
    '.gif',
    '.tif',
    '.tiff',
    '.avif',
  ];
  const { files, classNames } = await listLabeledFiles(
    dir,
    extensions,
    options.labels ?? 'folder',
    'imageFolder',
  );
  let list: Dataset<LabeledFile> = Dataset.fromArray(files);
  if (options.shuffle) list = list.shuffle(undefined, rng);
  const decoded = list.mapAsync(
    async (file): Promise<ImageSample> => {
      const bytes = await fs.readFile(file.path);
      let pipeline = sharp(bytes, { failOn: 'truncated' })
        .rotate()
        .resize(width, height, { fit: options.fit ?? 'cover' })
        .removeAlpha();
      pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
      const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
      if (info.width !== width || info.height !== height || info.channels !== channels) {
        throw new Error(
          `decoded to ${info.height}x${info.width}x${info.channels}, expected ${height}x${width}x${channels}`,
        );
      }
      const pixels = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) pixels[i] = data[i] * scale;
      return {
        image: tf.tensor3d(pixels, [height, width, channels]),
        label: file.label,
        path: file.path,
      };
    },
    {
      concurrency: options.concurrency ?? 4,
      onError: 'skip',
      name: `imageFolder(${dir})`,
      describe: (f) => f.path,
    },
  );
  return new FolderDataset(
    {
      name: decoded.name,
      length: files.length,
      parents: [decoded],
      open: (epoch, cursor) => decoded.open(epoch, cursor),
    },
    classNames,
    files,
  );
}
