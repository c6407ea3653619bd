import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { availableMethods } from '../methods/registry';
import { runCli, tempDir, tinyConfig, writeConfig } from '../test-utils';

// Small heads, so that a few steps of every method take seconds (the paper's are up to 8192 wide).
const TINY_HEADS: Record<string, Record<string, unknown>> = {
  simclr: { projectionDim: 16 },
  mocov2: { projectionDim: 16, queueSize: 64 },
  mocov3: {},
  byol: { projectionDim: 16, hiddenDim: 32 },
  simsiam: { projectionDim: 16, predictorHiddenDim: 8 },
  barlowtwins: { projectionDim: 32 },
  vicreg: { expanderDim: 32 },
  dino: { outDim: 64, hiddenDim: 32, bottleneckDim: 16 },
};

describe('selfsup pretrain: a few steps of every available method', () => {
  const dir = tempDir();
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  const methods = availableMethods().map((m) => m.name);

  it('lists at least SimCLR', () => {
    expect(methods).toContain('simclr');
  });

  for (const name of methods) {
    it(`${name}: 3 steps, a run folder with config.yaml, metrics.jsonl, a checkpoint, results.json and report.html`, async () => {
      const config = writeConfig(
        dir,
        tinyConfig({ method: { name, ...(TINY_HEADS[name] ?? {}) } }),
        `${name}.yaml`,
      );
      const runDir = path.join(dir, `run-${name}`);
      const before = tf.memory().numTensors;
      const r = await runCli([
        'pretrain',
        name,
        '--config',
        config,
        '--steps',
        '3',
        '--run-dir',
        runDir,
      ]);
      expect(r.err + r.out).not.toContain('error:');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        new RegExp(
          `^${name}: 3 steps, .* \\| kNN \\d+\\.\\d\\d% \\| linear \\d+\\.\\d\\d% \\| report `,
        ),
      );
      expect(r.err).toMatch(/step 3\/3 .* ETA/);
      for (const f of [
        'config.yaml',
        'metrics.jsonl',
        'results.json',
        'report.html',
        'checkpoints',
      ]) {
        expect(existsSync(path.join(runDir, f)), f).toBe(true);
      }
      const steps = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; step: number })
        .filter((l) => l.type === 'step');
      expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
      const results = JSON.parse(readFileSync(path.join(runDir, 'results.json'), 'utf8')) as {
        steps: number;
        ssl: { knnTop1: number };
      };
      expect(results.steps).toBe(3);
      expect(results.ssl.knnTop1).toBeGreaterThan(0);
      // Nothing leaks into the next run in the same process.
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
    });
  }
});
