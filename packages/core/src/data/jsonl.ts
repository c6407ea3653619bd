import { Dataset } from './dataset';
import { linesSource } from './internal/lines';
import { listLabeledFiles } from './internal/list-files';

/**
 * Streams the records of JSON Lines files (one JSON value per line; empty lines ignored), from a
 * file or every `.jsonl` file of a folder. A line that does not parse is skipped and listed in
 * `dataset.report()` as `path:line` with the parser's message. The saved position is a byte
 * offset: resuming seeks to it.
 *
 * @example
 * ```ts
 * const docs = await jsonl<{ text: string }>('/data/corpus.jsonl');
 * for await (const { text } of docs) { ... }
 * ```
 */
export async function jsonl<T = Record<string, unknown>>(
  target: string,
  options: { extensions?: readonly string[] } = {},
): Promise<Dataset<T>> {
  const { files } = await listLabeledFiles(
    target,
    options.extensions ?? ['.jsonl', '.ndjson'],
    'none',
    'jsonl',
  );
  const name = `jsonl(${target})`;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return Dataset.from(linesSource(files, name, true)).mapAsync(
    (l) => JSON.parse(utf8.decode(l.bytes)) as T,
    {
      onError: 'skip',
      name,
      describe: (l) => `${l.path}:${l.line}`,
    },
  );
}
