import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/index';
import { Dataset } from './dataset';
import { FolderDataset, type LabeledFile } from './folder-dataset';
import { listLabeledFiles, type LabelSource } from './internal/list-files';
import { resample } from './resample';
import { decodeWav } from './decode-wav';

/**
 * One audio clip: mono float32 samples in [-1, 1] at the requested rate.
 *
 * @example
 * ```ts
 * const { audio, sampleRate } = (await ds.take(1).toArray())[0];
 * ```
 */
export interface AudioSample {
  audio: tf.Tensor1D;
  label: number;
  path: string;
  sampleRate: number;
}

/**
 * Options of {@link wavFolder}.
 *
 * @example
 * ```ts
 * const o: WavFolderOptions = { sampleRate: 16000, length: 16000, labels: (f) => path.basename(f)[0] };
 * ```
 */
export interface WavFolderOptions {
  /** Target sample rate in Hz; clips are resampled to it. */
  sampleRate: number;
  /** Fixed length in samples: longer clips are cut at the end, shorter ones zero-padded (needed to batch). */
  length?: number;
  /** Class of each file (default `'folder'`: `dir/<class>/file`). */
  labels?: LabelSource;
  /** Shuffle the file list each epoch (before decoding). */
  shuffle?: boolean;
  /** Files decoded at once (default 4). */
  concurrency?: number;
}

/**
 * Reads a folder of WAV files as mono clips resampled to `sampleRate` (band-limited sinc), with
 * class labels from subfolders or a function of the path, optionally cut or padded to `length`
 * samples. Unreadable files are skipped and listed in `dataset.report()`.
 *
 * @example
 * ```ts
 * const ds = await wavFolder('/data/espeak-digits', {
 *   sampleRate: 16000,
 *   length: 16000,
 *   labels: (file) => path.basename(file).split('_')[0],
 * });
 * ```
 */
export async function wavFolder(
  dir: string,
  options: WavFolderOptions,
  rng?: Rng,
): Promise<FolderDataset<AudioSample>> {
  if (!(options.sampleRate > 0))
    throw new Error(`wavFolder: sampleRate must be positive, got ${options.sampleRate}`);
  if (options.length !== undefined && !(Number.isInteger(options.length) && options.length > 0)) {
    throw new Error(`wavFolder: length must be a positive integer, got ${options.length}`);
  }
  await decodeWav(null); // fails early, with the import error, if wavefile cannot load
  const { files, classNames } = await listLabeledFiles(
    dir,
    ['.wav', '.wave'],
    options.labels ?? 'folder',
    'wavFolder',
  );
  let list: Dataset<LabeledFile> = Dataset.fromArray(files);
  if (options.shuffle) list = list.shuffle(undefined, rng);
  const decoded = list.mapAsync(
    async (file): Promise<AudioSample> => {
      const { samples, sampleRate } = await decodeWav(await fs.readFile(file.path));
      let audio =
        sampleRate === options.sampleRate
          ? samples
          : resample(samples, sampleRate, options.sampleRate);
      if (options.length !== undefined && audio.length !== options.length) {
        const fixed = new Float32Array(options.length);
        fixed.set(audio.subarray(0, options.length));
        audio = fixed;
      }
      return {
        audio: tf.tensor1d(audio),
        label: file.label,
        path: file.path,
        sampleRate: options.sampleRate,
      };
    },
    {
      concurrency: options.concurrency ?? 4,
      onError: 'skip',
      name: `wavFolder(${dir})`,
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
