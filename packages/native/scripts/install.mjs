#!/usr/bin/env node
// Compiles the addon with node-gyp (npm puts its own node-gyp on PATH for install scripts).
// A failed build never fails the install: @selfsup/core then runs its wasm kernels instead,
// and `loadNative()` reports why the addon is missing (from build/install-failure.txt).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const failureFile = path.join(root, 'build', 'install-failure.txt');
rmSync(failureFile, { force: true });
if (process.env.SELFSUP_NATIVE_SKIP_BUILD === '1') {
  console.log('@selfsup/native: build skipped (SELFSUP_NATIVE_SKIP_BUILD=1)');
  process.exit(0);
}
const result = spawnSync('node-gyp', ['rebuild'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'pipe'],
  shell: process.platform === 'win32',
  encoding: 'utf8',
});
if (result.status === 0) process.exit(0);
const reason =
  result.error !== undefined
    ? `node-gyp could not start (${result.error.message})`
    : `node-gyp exited with ${result.status}: ${(result.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
try {
  mkdirSync(path.dirname(failureFile), { recursive: true });
  writeFileSync(failureFile, `${reason}\n`);
} catch {
  // the warning below says it all
}
console.warn(
  `@selfsup/native: the native kernels were not built (${reason}). selfsup still works, on its ` +
    'wasm kernels; install a C++ compiler, Python 3 and make, then run `npm rebuild @selfsup/native`.',
);
