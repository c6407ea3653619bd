import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig } from '../test-utils';

// Two classes a linear probe can tell apart: bright squares and dark squares, with noise.
async function makeFolder(dir: string): Promise<void> {
  let seed = 1;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const [cls, base] of [
    ['bright', 200],
    ['dark', 40],
  ] as const) {
    mkdirSync(path.join(dir, cls), { recursive: true });
    for (let i = 0; i < 20; i++) {
      const px = Buffer.alloc(20 * 20 * 3);
      for (let j = 0; j < px.length; j++)
        px[j] = Math.max(0, Math.min(255, base + Math.round((rand() - 0.5) * 80)));
      await sharp(px, { raw: { width: 20, height: 20, channels: 3 } })
        .png()
        .toFile(path.join(dir, cls, `${i}.png`));
    }
  }
}

describe('data source folder:<path>', () => {
  const dir = tempDir();
  const images = path.join(dir, 'images');
  beforeAll(async () => {
    await makeFolder(images);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('pretrains on a class-subfolder tree (resized to data.imageSize) and scores a held-out share of it', async () => {
    const config = writeConfig(dir, {
      backend: 'wasm',
      method: { name: 'simclr', projectionDim: 8 },
      encoder: { name: 'smallConvNet', widths: [4, 8] },
      data: { source: 'folder:images', imageSize: 16, heldOutFraction: 0.25 },
      train: { batchSize: 8, checkpointEvery: 10 },
      eval: { mapPoints: 10 },
    });
    const runDir = path.join(dir, 'run');
    // A time budget of 6 s: the learning rate follows the clock, the run stops when it is spent.
    const start = performance.now();
    const r = await runCli([
      'pretrain',
      'simclr',
      '--config',
      config,
      '--minutes',
      '0.1',
      '--run-dir',
      runDir,
    ]);
    const seconds = (performance.now() - start) / 1000;
    expect(r.err + r.out).not.toContain('error:');
    expect(r.code).toBe(0);
    // Relative to the config file's folder; 40 images, 10 held out.
    expect(r.err).toContain(`on 30 folder:${images} images 16x16x3`);
    expect(r.err).toContain('evaluating on 30 labelled training images and 10 held-out images');
    expect(r.err).toMatch(/time budget 0.1 min: ~[\d.]+ s per step measured/);
    const results = JSON.parse(readFileSync(path.join(runDir, 'results.json'), 'utf8')) as {
      steps: number;
      pretrainSeconds: number;
      baselines: { rawPixels: { linearTop1: number } };
    };
    expect(results.steps).toBeGreaterThanOrEqual(1);
    // Training ends within the budget (plus the step that crossed it); evaluation comes after.
    expect(results.pretrainSeconds).toBeLessThan(6 + 5);
    expect(seconds).toBeGreaterThan(results.pretrainSeconds);
    // Raw pixels separate bright from dark perfectly.
    expect(results.baselines.rawPixels.linearTop1).toBe(1);
    expect(existsSync(path.join(runDir, 'report.html'))).toBe(true);
  });

  it('a folder without images is a clear failure (exit 1)', async () => {
    mkdirSync(path.join(dir, 'empty'), { recursive: true });
    const r = await runCli([
      'pretrain',
      'simclr',
      '--data',
      `folder:${path.join(dir, 'empty')}`,
      '--steps',
      '1',
      '--run-dir',
      path.join(dir, 'run-empty'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: cannot load data folder:.*empty/);
  });
});
