import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LabeledFile, LabelSource } from '../folder-dataset';

export type { LabelSource } from '../folder-dataset';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Lists the files of `dir` with one of `extensions` (case-insensitive), sorted, with labels:
 * `'folder'` uses class subfolders (`dir/<class>/...`, recursively below the class folder; files
 * directly in `dir` then get -1), a function names the class of each file, `'none'` gives -1.
 * A path to a single file lists just that file.
 */
export async function listLabeledFiles(
  target: string,
  extensions: readonly string[],
  labels: LabelSource,
  op: string,
): Promise<{ files: LabeledFile[]; classNames: string[] }> {
  const exts = extensions.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase());
  const matches = (name: string): boolean => exts.includes(path.extname(name).toLowerCase());
  let stat;
  try {
    stat = await fs.stat(target);
  } catch (e) {
    throw new Error(`${op}: cannot read ${target}: ${(e as Error).message}`);
  }
  if (stat.isFile()) {
    const name = typeof labels === 'function' ? labels(target) : undefined;
    return {
      files: [{ path: target, label: name === undefined ? -1 : 0 }],
      classNames: name === undefined ? [] : [name],
    };
  }
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const out: string[] = [];
    for (const e of entries.sort((a, b) => byName(a.name, b.name))) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) out.push(...(await walk(full)));
      else if (e.isFile() && matches(e.name)) out.push(full);
    }
    return out;
  };
  const all = await walk(target);
  if (all.length === 0) {
    throw new Error(`${op}: no ${exts.join('/')} file in ${target} or its subfolders`);
  }
  let names: (string | undefined)[];
  if (labels === 'none') names = all.map(() => undefined);
  else if (labels === 'folder') {
    names = all.map((f) => {
      const rel = path.relative(target, f).split(path.sep);
      return rel.length > 1 ? rel[0] : undefined;
    });
  } else names = all.map((f) => labels(f));
  const classNames = [...new Set(names.filter((n): n is string => n !== undefined))].sort(byName);
  const index = new Map(classNames.map((n, i) => [n, i]));
  return {
    files: all.map((p, i) => ({
      path: p,
      label: names[i] === undefined ? -1 : index.get(names[i]!)!,
    })),
    classNames,
  };
}
