import { promises as fs } from 'node:fs';
import type { Rng } from '../random/index';
import { Dataset } from './dataset';
import { FolderDataset, type LabeledFile } from './folder-dataset';
import { linesSource } from './internal/lines';
import { listLabeledFiles, type LabelSource } from './internal/list-files';

/**
 * One text sample: a whole document or one line, with its class and origin.
 *
 * @example
 * ```ts
 * const s: TextSample = { text: 'a fine film', label: 1, path: 'pos/cv000.txt', line: 3 };
 * ```
 */
export interface TextSample {
  text: string;
  label: number;
  path: string;
  /** 1-based line number, in `'lines'` mode. */
  line?: number;
}

/**
 * Options of {@link textFiles}.
 *
 * @example
 * ```ts
 * const o: TextFilesOptions = { mode: 'lines', extensions: ['.txt'] };
 * ```
 */
export interface TextFilesOptions {
  /** `'document'` (default): one sample per file. `'lines'`: one per non-empty line. */
  mode?: 'document' | 'lines';
  /** Extensions to read (default .txt). */
  extensions?: readonly string[];
  /** Class of each file (default `'folder'`: `dir/<class>/file`). */
  labels?: LabelSource;
  /** Document mode: shuffle the files each epoch. (Lines stream: use `.shuffle(bufferSize)`.) */
  shuffle?: boolean;
  /** Files read at once in document mode (default 8). */
  concurrency?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads text from a file or a folder (with class subfolders, like `movie_reviews/{pos,neg}`):
 * one sample per file, or per line (streamed; the saved position is a byte offset, so resuming
 * seeks instead of re-reading). Text must be UTF-8: a file or line that is not is skipped and
 * listed in `dataset.report()` with its path (and line).
 *
 * @example
 * ```ts
 * const reviews = await textFiles('/data/movie_reviews');            // { text, label, path }
 * const lines = await textFiles('/data/tinyshakespeare.txt', { mode: 'lines' });
 * ```
 */
export async function textFiles(
  target: string,
  options: TextFilesOptions = {},
  rng?: Rng,
): Promise<FolderDataset<TextSample>> {
  const mode = options.mode ?? 'document';
  if (mode !== 'document' && mode !== 'lines')
    throw new Error(`textFiles: mode must be 'document' or 'lines', got '${String(mode)}'`);
  const { files, classNames } = await listLabeledFiles(
    target,
    options.extensions ?? ['.txt'],
    options.labels ?? 'folder',
    'textFiles',
  );
  const name = `textFiles(${target})`;
  let ds: Dataset<TextSample>;
  if (mode === 'document') {
    let list: Dataset<LabeledFile> = Dataset.fromArray(files);
    if (options.shuffle) list = list.shuffle(undefined, rng);
    ds = list.mapAsync(
      async (file) => ({
        text: utf8.decode(await fs.readFile(file.path)),
        label: file.label,
        path: file.path,
      }),
      { concurrency: options.concurrency ?? 8, onError: 'skip', name, describe: (f) => f.path },
    );
  } else {
    if (options.shuffle)
      throw new Error(
        "textFiles: in 'lines' mode the lines stream; shuffle them with .shuffle(bufferSize)",
      );
    ds = Dataset.from(linesSource(files, name, true)).mapAsync(
      (l) => ({ text: utf8.decode(l.bytes), label: l.label, path: l.path, line: l.line }),
      { onError: 'skip', name, describe: (l) => `${l.path}:${l.line}` },
    );
  }
  return new FolderDataset(
    {
      name,
      length: mode === 'document' ? files.length : undefined,
      parents: [ds],
      open: (e, c) => ds.open(e, c),
    },
    classNames,
    files,
  );
}
