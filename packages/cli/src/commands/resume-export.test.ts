import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadEncoder, loadMnist } from '@selfsup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, tinyConfig, writeConfig } from '../test-utils';

function stepsLogged(runDir: string): number[] {
  return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; step: number })
    .filter((l) => l.type === 'step')
    .map((l) => l.step);
}

async function sampleImages(n: number): Promise<tf.Tensor4D> {
  const test = await loadMnist({ split: 'test', limit: n });
  return tf.tidy(() =>
    tf.div(tf.tensor4d(Float32Array.from(test.images), [n, 28, 28, 1]), 255),
  ) as tf.Tensor4D;
}

describe('--resume continues a stopped run in the same folder; export writes a plain tfjs model', () => {
  const dir = tempDir();
  const runs = path.join(dir, 'runs');
  const config = writeConfig(
    dir,
    tinyConfig({ runsDir: runs, method: { name: 'simclr', projectionDim: 16 } }),
  );
  let stopped = '';
  let straight = '';
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('stop after 3 of 6 steps, resume to 6: the step count continues, the folder is reused, the weights equal an uninterrupted run', async () => {
    const first = await runCli([
      'pretrain',
      'simclr',
      '--config',
      config,
      '--steps',
      '6',
      '--stop-after',
      '3',
      '--no-eval',
    ]);
    expect(first.code).toBe(0);
    const m = /Resume with: selfsup pretrain --resume (\S+)/.exec(first.out);
    expect(m, first.out).not.toBeNull();
    stopped = m![1];
    expect(path.dirname(stopped)).toBe(runs);
    expect(first.out).toContain('stopped at step 3 of 6');
    expect(stepsLogged(stopped)).toEqual([1, 2, 3]);

    const second = await runCli(['pretrain', '--resume', stopped, '--no-eval']);
    expect(second.err + second.out).not.toContain('error:');
    expect(second.code).toBe(0);
    expect(second.err).toMatch(/resumed from .*checkpoints.* at step 3/);
    expect(second.out).toMatch(/^simclr: 6 steps/);
    // Same folder, no duplicated log lines, a checkpoint at step 6.
    expect(readdirSync(runs)).toEqual([path.basename(stopped)]);
    expect(stepsLogged(stopped)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readdirSync(path.join(stopped, 'checkpoints')).some((d) => d.includes('6'))).toBe(true);

    straight = path.join(dir, 'straight');
    const whole = await runCli([
      'pretrain',
      'simclr',
      '--config',
      config,
      '--steps',
      '6',
      '--run-dir',
      straight,
      '--no-eval',
    ]);
    expect(whole.code).toBe(0);
    const [a, b] = [await loadEncoder(stopped), await loadEncoder(straight)];
    const x = await sampleImages(16);
    const [fa, fb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
    // Resume restores weights, optimizer slots, data position and generators: same result.
    expect(tf.max(tf.abs(tf.sub(fa, fb))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, fa, fb]);
    a.dispose();
    b.dispose();
  });

  it('export: model.json + weights.bin without selfsup layers, loaded by tf.loadLayersModel(tf.io.fromMemory({...})), same features', async () => {
    const out = path.join(dir, 'exported');
    const r = await runCli(['export', '--run', straight, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(path.join(out, 'model.json'));
    const json = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    };
    expect(JSON.stringify(json.modelTopology)).not.toContain('Selfsup');
    expect(JSON.stringify(json.modelTopology)).toContain('BatchNormalization');
    const bytes = readFileSync(path.join(out, json.weightsManifest[0].paths[0]));
    const weights = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const plain = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights,
      }),
    );
    const original = await loadEncoder(straight);
    const x = await sampleImages(16);
    const [fp, fo] = [plain.predict(x) as tf.Tensor, original.predict(x) as tf.Tensor];
    expect(fp.shape).toEqual([16, 16]);
    expect(tf.max(tf.abs(tf.sub(fp, fo))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([x, fp, fo]);
    plain.dispose();
    original.dispose();
  });

  it('eval knn / linear / fewshot / finetune and report on the run', async () => {
    for (const kind of ['knn', 'linear', 'fewshot', 'finetune']) {
      const extra =
        kind === 'fewshot'
          ? ['--episodes', '20', '--ways', '5', '--shots', '1', '--queries', '5']
          : [];
      const r = await runCli([
        'eval',
        kind,
        '--run',
        straight,
        '--train-size',
        '200',
        '--test-size',
        '100',
        ...extra,
      ]);
      expect(r.err + r.out, kind).not.toContain('error:');
      expect(r.code, kind).toBe(0);
      expect(r.out).toMatch(
        new RegExp(`^${kind} on mnist \\(200 train / 100 held-out\\): .*\\d+\\.\\d\\d%`),
      );
    }
    const results = JSON.parse(readFileSync(path.join(straight, 'results.json'), 'utf8')) as {
      evaluations: Record<string, unknown>;
    };
    expect(Object.keys(results.evaluations).sort()).toEqual([
      'fewshot',
      'finetune',
      'knn',
      'linear',
    ]);
    const rep = await runCli(['report', '--run', straight]);
    expect(rep.code).toBe(0);
    expect(existsSync(path.join(straight, 'report.html'))).toBe(true);
  });
});
