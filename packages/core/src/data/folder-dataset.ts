import { Dataset, type DatasetSource } from './dataset';

/**
 * A file and its class index (-1 when the folder has no class subfolders).
 *
 * @example
 * ```ts
 * const f: LabeledFile = { path: '/data/cifar/cat/0001.jpg', label: 3 };
 * ```
 */
export interface LabeledFile {
  path: string;
  label: number;
}

/**
 * How a folder loader names each file's class: `'folder'` (the class subfolder, `dir/<class>/...`;
 * files directly in `dir` get -1), `'none'` (all -1), or a function of the file's path.
 *
 * @example
 * ```ts
 * const byPrefix: LabelSource = (file) => path.basename(file).split('_')[0]; // '3_en_s140.wav' -> '3'
 * ```
 */
export type LabelSource = 'folder' | 'none' | ((file: string) => string);

/**
 * A dataset read from a folder, with the class names (sorted subfolder names; label `i` is
 * `classNames[i]`) and the files found. Chained stages return plain datasets.
 *
 * @example
 * ```ts
 * const ds = await imageFolder('/data/cifar10-train-5k', { size: 32 });
 * ds.classNames; // ['airplane', 'automobile', ...]
 * ```
 */
export class FolderDataset<T> extends Dataset<T> {
  constructor(
    source: DatasetSource<T>,
    readonly classNames: readonly string[],
    readonly files: readonly LabeledFile[],
  ) {
    super(source);
  }
}
