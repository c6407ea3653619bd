import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir, tinyConfig, writeConfig } from './test-utils';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(pkgDir, 'dist', 'cli.js');

describe('the installed bin (dist/cli.js, built by `npm run build`)', () => {
  it.skipIf(!existsSync(bin))(
    'runs as a process: shebang, ESM, wasm from the built packages; exit 0 and the summary line',
    () => {
      const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
      };
      expect(pkg.bin.selfsup).toBe('./dist/cli.js');
      expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
      const dir = tempDir();
      const config = writeConfig(dir, tinyConfig({ method: { name: 'simclr', projectionDim: 8 } }));
      const r = spawnSync(
        process.execPath,
        [
          bin,
          'pretrain',
          'simclr',
          '--config',
          config,
          '--steps',
          '2',
          '--no-eval',
          '--run-dir',
          path.join(dir, 'run'),
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, CI: '1' },
          timeout: 120_000,
        },
      );
      expect(r.stderr).not.toContain('error:');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^simclr: 2 steps, .* \| run /);
      expect(r.stderr).toContain('backend wasm');
    },
  );
});
