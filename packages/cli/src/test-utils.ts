// Helpers of this package's tests: captured CLI output and tiny configs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import type { CliIO } from './io';
import { main } from './main';

/** What a CLI call printed and returned. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `main` in-process with captured output (the progress bar prints plain lines into `err`). */
export async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const progressStream = new Writable({
    write(chunk, _enc, cb) {
      err.push(String(chunk).trimEnd());
      cb();
    },
  });
  const io: CliIO = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    progressStream,
    env: { CI: '1' },
  };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'selfsup-cli-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * A config small enough for a smoke test: 64 MNIST images, batches of 16, a 2-block conv encoder,
 * tiny evaluation sets, no baselines.
 */
export function tinyConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    backend: 'wasm',
    encoder: { name: 'smallConvNet', widths: [8, 16] },
    data: { source: 'mnist', limit: 64 },
    train: { batchSize: 16, checkpointEvery: 2, logEvery: 1, progressEvery: 1 },
    eval: { trainSize: 200, testSize: 100, baselines: false, mapPoints: 50 },
  };
  for (const [k, v] of Object.entries(extra)) {
    base[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? { ...(base[k] as object), ...(v as object) }
        : v;
  }
  return base;
}

/** Writes a YAML config into `dir` and returns its path. */
export function writeConfig(
  dir: string,
  config: Record<string, unknown>,
  name = 'config.yaml',
): string {
  const file = path.join(dir, name);
  writeFileSync(file, name.endsWith('.json') ? JSON.stringify(config) : YAML.stringify(config));
  return file;
}
