import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ChecksumError } from './checksum-error';
import { defaultCacheDir } from './default-cache-dir';
import { fsyncDir, sha256File } from './internal/fs-utils';

/**
 * Options of {@link downloadFile}.
 *
 * @example
 * ```ts
 * const o: DownloadOptions = { sha256: 'ab12...', cacheDir: '/tmp/cache', retries: 5 };
 * ```
 */
export interface DownloadOptions {
  /** Expected SHA-256 (hex). Strongly recommended: without it nothing guards against corruption. */
  sha256?: string;
  /** Where to write the file (default: `cacheDir/fileName`). */
  dest?: string;
  /** Default {@link defaultCacheDir}. */
  cacheDir?: string;
  /** Default: the last segment of the URL. */
  fileName?: string;
  /** Further attempts after a failed or interrupted request, each resuming with an HTTP Range (default 4). */
  retries?: number;
  /** Called as bytes arrive. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** How long to wait for another process downloading the same file (default 10 minutes). */
  lockTimeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes an exclusive lock file next to the destination, so two processes do not write one `.part`. */
async function acquireLock(lock: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const h = await fs.open(lock, 'wx');
      await h.writeFile(String(process.pid));
      await h.close();
      return async () => {
        await fs.rm(lock, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(await fs.readFile(lock, 'utf8').catch(() => ''), 10);
      if (!Number.isFinite(owner) || !alive(owner) || owner === process.pid) {
        await fs.rm(lock, { force: true }); // stale: its process is gone
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`downloadFile: ${lock} is held by process ${owner} for too long`);
      await sleep(200);
    }
  }
}

/**
 * Downloads `url` to the cache (or `dest`) and returns the local path. An existing file with the
 * right checksum is reused. The download goes to `<dest>.part`, resumed with an HTTP Range
 * request after an interruption (in this call's retries or in a later call, even from another
 * process), is checked against `sha256`, and is renamed into place only when complete and
 * verified, so `dest` is either absent or whole. A lock file keeps concurrent processes from
 * writing the same file.
 *
 * @example
 * ```ts
 * const file = await downloadFile('https://example.org/data.bin', { sha256: 'e3b0c442...' });
 * ```
 */
export async function downloadFile(url: string, options: DownloadOptions = {}): Promise<string> {
  const fileName =
    options.fileName ?? decodeURIComponent(new URL(url).pathname.split('/').pop() || 'download');
  const dest = path.resolve(
    options.dest ?? path.join(options.cacheDir ?? defaultCacheDir(), fileName),
  );
  // Calls of this process for one file run one after the other (the lock file guards between
  // processes); a later call then finds the finished file in the cache.
  const previous = inFlight.get(dest) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => download(url, dest, options));
  const tail = run.catch(() => undefined);
  inFlight.set(dest, tail);
  void tail.then(() => {
    if (inFlight.get(dest) === tail) inFlight.delete(dest);
  });
  return run;
}

const inFlight = new Map<string, Promise<unknown>>();

async function download(url: string, dest: string, options: DownloadOptions): Promise<string> {
  const expected = options.sha256?.toLowerCase();
  const retries = options.retries ?? 4;
  await fs.mkdir(path.dirname(dest), { recursive: true });

  const cached = async (): Promise<boolean> => {
    if (!(await fs.stat(dest).catch(() => null))) return false;
    if (expected === undefined || (await sha256File(dest)) === expected) return true;
    await fs.rm(dest, { force: true }); // a corrupted cache entry: fetch it again
    return false;
  };
  if (await cached()) return dest;

  const release = await acquireLock(`${dest}.lock`, options.lockTimeoutMs ?? 600_000);
  try {
    if (await cached()) return dest; // another process finished it while we waited
    const part = `${dest}.part`;
    let resumed = false;
    let restartedAfterMismatch = false;
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(200 * 2 ** (attempt - 1), 5000));
      const offset = await sizeOf(part);
      let complete = false;
      try {
        complete = await fetchInto(url, part, offset, options.onProgress);
        if (offset > 0) resumed = true;
      } catch (e) {
        lastError = e;
        if ((e as { fatal?: boolean }).fatal) throw e;
        continue;
      }
      if (!complete) {
        lastError = new Error('connection closed before the end of the file');
        continue;
      }
      if (expected !== undefined) {
        const actual = await sha256File(part);
        if (actual !== expected) {
          await fs.rm(part, { force: true });
          // A resumed file may have been corrupted by the resume itself: try once from scratch.
          if (resumed && !restartedAfterMismatch) {
            restartedAfterMismatch = true;
            resumed = false;
            continue;
          }
          throw new ChecksumError(url, expected, actual);
        }
      }
      await fs.rename(part, dest);
      await fsyncDir(path.dirname(dest));
      return dest;
    }
    throw new Error(
      `downloadFile: ${url}: failed after ${retries + 1} attempts (${lastError instanceof Error ? lastError.message : String(lastError)}); ` +
        `the partial file ${part} is kept and the next call resumes it`,
    );
  } finally {
    await release();
  }
}

/**
 * One HTTP request appending to `part` from `offset`. Returns true when the file is complete
 * (as far as the server's sizes tell), false when the body ended early; throws on network errors.
 */
async function fetchInto(
  url: string,
  part: string,
  offset: number,
  onProgress: DownloadOptions['onProgress'],
): Promise<boolean> {
  const res = await fetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} });
  if (res.status === 416 && offset > 0) {
    // Nothing left to send: the part file is already whole (the checksum decides).
    await res.body?.cancel();
    return true;
  }
  if (!res.ok) {
    await res.body?.cancel();
    const error = new Error(`downloadFile: ${url}: HTTP ${res.status} ${res.statusText}`);
    // Client errors other than rate limiting will not improve with retries.
    (error as { fatal?: boolean }).fatal =
      res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408;
    throw error;
  }
  let start = 0;
  let total: number | undefined;
  const contentRange = res.headers.get('content-range');
  if (res.status === 206 && contentRange) {
    const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(contentRange);
    if (m && Number(m[1]) === offset) {
      start = offset;
      total = m[3] === '*' ? undefined : Number(m[3]);
    }
  }
  if (total === undefined) {
    const length = res.headers.get('content-length');
    if (length !== null) total = start + Number(length);
  }
  // start is 0 when the server ignored the Range: rewrite the file from the beginning.
  const handle = await fs.open(part, start > 0 ? 'a' : 'w');
  let received = start;
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await handle.write(chunk);
        received += chunk.length;
        onProgress?.(received, total);
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return total === undefined || received === total;
}
