import * as tf from '@tensorflow/tfjs';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { data, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';

// Own test file: only the first wasm initialization of a process can choose its thread count.
describe('wasm with threads', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('starts the threaded build with 2 threads and computes what cpu does', async () => {
    const info = await initBackend('wasm', { threads: 2, native: false });
    expect(info.name).toBe('wasm');
    expect(info.threads).toBe(2);
    expect(info.reason).toMatch(/SIMD, 2 threads/);
    await expectWasmMatchesCpu(
      () => {
        const a = data([300, 200], 1);
        const b = data([200, 150], 2);
        const x = data([4, 12, 12, 8], 3) as tf.Tensor4D;
        const w = data([3, 3, 8, 16], 4) as tf.Tensor4D;
        const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same'))),
        )([x, w]);
        return [tf.matMul(a, b), dx, dw];
      },
      1e-3,
      1e-4,
    );
  });

  it('keeps the first thread count and says so when asked for another', async () => {
    await tf.setBackend('cpu');
    const info = await initBackend('wasm', { threads: 3, native: false });
    expect(info.threads).toBe(2);
    expect(info.reason).toMatch(
      /3 threads were asked for, but the wasm backend was already initialized in this process with 2/,
    );
  });

  it('rejects a bad thread count', async () => {
    await expect(initBackend('cpu', { threads: 0 })).rejects.toThrow(
      /threads must be a positive integer, got 0/,
    );
  });

  it('starts 2 threads where os.cpus() lists no CPU (some containers), and 3 where it lists 1', () => {
    for (const listed of [0, 1]) {
      const r = runScript(
        `import os from 'node:os';
        const real = os.cpus();
        os.cpus = () => real.slice(0, ${listed});
        const info = await initBackend('wasm', { threads: ${listed + 2}, native: false });
        const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
        console.log(String(info.threads) + " " + String((await y.data())[0]) + " " + info.reason);`,
      );
      expect(r.error).toBeUndefined();
      const out = r.stdout.trim();
      expect(
        out.startsWith(`${listed + 2} 64 Using the wasm backend (SIMD, ${listed + 2} threads,`),
      ).toBe(true);
      expect(out).not.toMatch(/failed/);
      expect(r.status).toBe(0);
    }
  });

  it('lets a process that used threads exit on its own', () => {
    // A pthread worker left referenced would keep Node alive after the script ends.
    const r = runScript(
      `const info = await initBackend('wasm', { threads: 2, native: false });
      const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
      console.log(String(info.threads) + " " + String((await y.data())[0]));`,
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout.trim()).toBe('2 64');
    expect(r.status).toBe(0);
  });
});

/** Runs `body` as an ES module in its own Node process, with `tf` and `initBackend` imported. */
function runScript(body: string): SpawnSyncReturns<string> {
  const tfjs = createRequire(import.meta.url).resolve('@tensorflow/tfjs');
  const file = join(mkdtempSync(join(tmpdir(), 'selfsup-threads-')), 'script.mts');
  writeFileSync(
    file,
    `import * as tf from ${JSON.stringify(pathToFileURL(tfjs).href)};
    import { initBackend } from ${JSON.stringify(new URL('./init-backend.ts', import.meta.url).href)};
    ${body}`,
  );
  try {
    return spawnSync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}
