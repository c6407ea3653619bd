import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { resnet, smallConvNet } from '@selfsup/vision';
import { afterAll, describe, expect, it } from 'vitest';
import { exportEncoder } from './export-encoder';

const dir = mkdtempSync(path.join(tmpdir(), 'selfsup-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads an exported folder with plain tfjs: only standard layer classes may appear. */
async function loadPlain(modelJson: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bytes = readFileSync(path.join(path.dirname(modelJson), json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }),
  );
}

describe('exportEncoder', () => {
  const cases: Array<[string, () => tf.LayersModel, number, number]> = [
    // [name, encoder, converted layers, ZeroPadding2D layers added]
    [
      'ResNet-18, ImageNet stem (7x7 stride 2 padding 3, strided 3x3s)',
      () => resnet({ depth: 18, inputShape: [32, 32, 3], widthMultiplier: 0.125 }, createRng(1)),
      20 + 20,
      1 + 3 + 1, // stem, strided 3x3s, and the max pool's own
    ],
    [
      'ResNet-18, CIFAR stem',
      () =>
        resnet(
          { depth: 18, inputShape: [16, 16, 3], cifarStem: true, widthMultiplier: 0.125 },
          createRng(2),
        ),
      20 + 20,
      3,
    ],
    [
      'smallConvNet',
      () => smallConvNet({ inputShape: [12, 12, 1], widths: [4, 8] }, createRng(3)),
      4,
      0,
    ],
  ];
  for (const [name, build, converted, pads] of cases) {
    it(`writes ${name} as standard tfjs layers with the same features`, async () => {
      const encoder = build();
      // Non-trivial running statistics, so that a wrong batch-norm conversion shows.
      encoder.nonTrainableWeights.forEach((w, i) => {
        const value = w.name.includes('running_var') ? 1 + 0.25 * (i % 3) : 0.1 * ((i % 5) - 2);
        w.write(tf.fill(w.shape as number[], value));
      });
      const out = await exportEncoder(encoder, path.join(dir, name.replace(/\W+/g, '-')));
      expect(out.customClasses).toEqual([]);
      expect(out.converted).toBe(converted);
      const topology = readFileSync(out.modelJson, 'utf8');
      expect(topology).not.toContain('Selfsup');
      expect(topology.match(/"ZeroPadding2D"/g)?.length ?? 0).toBe(pads);
      const plain = await loadPlain(out.modelJson);
      const side = encoder.inputs[0].shape[1]!;
      const channels = encoder.inputs[0].shape[3]!;
      const x = tf.randomUniform([3, side, side, channels], -1, 1, 'float32', 4);
      const [a, b] = [encoder.predict(x) as tf.Tensor, plain.predict(x) as tf.Tensor];
      expect(b.shape).toEqual(a.shape);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-4);
      expect(tf.max(tf.abs(a)).dataSync()[0]).toBeGreaterThan(1e-3);
      tf.dispose([x, a, b]);
      encoder.dispose();
      plain.dispose();
    });
  }
});
