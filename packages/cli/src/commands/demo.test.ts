import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../test-utils';

describe('selfsup demo', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('--steps 2 completes: prints the table and writes report.html and results.json with the four numbers', async () => {
    const runDir = path.join(tempDir(), 'demo');
    const r = await runCli([
      'demo',
      '--steps',
      '2',
      '--batch-size',
      '32',
      '--eval-train',
      '300',
      '--eval-test',
      '100',
      '--run-dir',
      runDir,
    ]);
    expect(r.err + r.out).not.toContain('error:');
    expect(r.code).toBe(0);
    const pctRe = '\\d+\\.\\d\\d%';
    expect(r.out).toMatch(new RegExp(`SimCLR encoder +${pctRe} +${pctRe}`));
    expect(r.out).toMatch(new RegExp(`raw pixels +${pctRe} +${pctRe}`));
    expect(r.out).toMatch(new RegExp(`random-init encoder +${pctRe} +${pctRe}`));
    expect(r.out).toContain(`report:  ${path.join(runDir, 'report.html')}`);
    expect(r.out).toMatch(/demo done: 2 steps of simclr pretraining/);
    const html = readFileSync(path.join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('raw input');
    expect(html).toContain('<svg');
    const results = JSON.parse(readFileSync(path.join(runDir, 'results.json'), 'utf8')) as {
      demo: boolean;
      steps: number;
      ssl: { knnTop1: number; linearTop1: number };
      baselines: {
        rawPixels: { knnTop1: number; linearTop1: number };
        randomInit: { knnTop1: number; linearTop1: number };
      };
    };
    expect(results.demo).toBe(true);
    expect(results.steps).toBe(2);
    const numbers = [
      results.ssl,
      results.baselines.rawPixels,
      results.baselines.randomInit,
    ].flatMap((s) => [s.knnTop1, s.linearTop1]);
    for (const v of numbers) {
      expect(v).toBeGreaterThan(0.1); // above chance even on 300 labelled images
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(existsSync(path.join(runDir, 'config.yaml'))).toBe(true);
    expect(readFileSync(path.join(runDir, 'config.yaml'), 'utf8')).toMatch(/steps: 2/);
  });
});
