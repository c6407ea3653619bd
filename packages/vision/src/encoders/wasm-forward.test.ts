// Forward passes of every encoder and head on the wasm backend match the cpu backend.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@selfsup/core';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictionHead } from '../heads/prediction-head';
import { projectionHead } from '../heads/projection-head';
import { expectClose, fixedValues } from '../layers/test-helpers';
import { resnet } from './resnet';
import { smallConvNet } from './small-conv-net';
import { VisionTransformer } from './vision-transformer';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');

interface Case {
  name: string;
  model: tf.LayersModel;
  input: tf.Tensor;
  cpu?: Float32Array;
  cpuTrain?: Float32Array;
}

describe('forward pass on wasm', () => {
  const rng = createRng(0);
  const img = (b: number, h: number, c: number, seed: number) =>
    tf.tensor4d(fixedValues(b * h * h * c, seed), [b, h, h, c]);
  const cases: Case[] = [];
  const vitParts = new VisionTransformer(
    { embedDim: 16, depth: 2, numHeads: 2, imageSize: 8, patchSize: 4, posEmbed: 'learned' },
    rng,
  );

  beforeAll(async () => {
    expect(tf.getBackend()).toBe('cpu');
    cases.push(
      {
        name: 'smallConvNet',
        model: smallConvNet({ inputShape: [28, 28, 1], widths: [4, 8, 8, 16] }, rng),
        input: img(2, 28, 1, 1),
      },
      {
        name: 'resnet18 ImageNet stem',
        model: resnet({ depth: 18, inputShape: [32, 32, 3], widths: [4, 4, 8, 8] }, rng),
        input: img(2, 32, 3, 2),
      },
      {
        name: 'resnet50 CIFAR stem',
        model: resnet(
          { depth: 50, inputShape: [16, 16, 3], cifarStem: true, widths: [2, 4, 4, 4] },
          rng,
        ),
        input: img(2, 16, 3, 3),
      },
      { name: 'vit cls', model: vitParts.model, input: img(2, 8, 3, 4) },
      {
        name: 'vit mean',
        model: new VisionTransformer(
          {
            embedDim: 16,
            depth: 1,
            numHeads: 4,
            imageSize: 8,
            patchSize: 2,
            pooling: 'mean',
            gelu: 'tanh',
          },
          rng,
        ).model,
        input: img(2, 8, 3, 5),
      },
      {
        name: 'projectionHead',
        model: projectionHead(
          {
            inputDim: 16,
            hiddenDim: 32,
            outputDim: 8,
            numLayers: 3,
            lastBatchNorm: { center: false },
          },
          rng,
        ),
        input: tf.tensor2d(fixedValues(4 * 16, 6), [4, 16]),
      },
      {
        name: 'predictionHead',
        model: predictionHead({ inputDim: 8, hiddenDim: 16, outputDim: 8 }, rng),
        input: tf.tensor2d(fixedValues(4 * 8, 7), [4, 8]),
      },
    );
    for (const c of cases) {
      c.cpu = (c.model.predict(c.input) as tf.Tensor).dataSync() as Float32Array;
      // Training mode (batch statistics) updates the running statistics: restore them after.
      const snapshot = c.model.getWeights().map((w) => w.clone());
      c.cpuTrain = (
        c.model.apply(c.input, { training: true }) as tf.Tensor
      ).dataSync() as Float32Array;
      c.model.setWeights(snapshot);
      tf.dispose(snapshot);
    }
    await tf.setBackend('wasm');
    await tf.ready();
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches cpu for every encoder and head, in inference and training mode', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const c of cases) {
      const out = (c.model.predict(c.input) as tf.Tensor).dataSync();
      const train = (c.model.apply(c.input, { training: true }) as tf.Tensor).dataSync();
      try {
        expectClose(out, c.cpu!, 1e-4, 1e-3);
        expectClose(train, c.cpuTrain!, 1e-4, 1e-3);
      } catch (e) {
        throw new Error(`${c.name}: ${(e as Error).message}`);
      }
    }
  });

  it('runs the ViT parts eagerly on wasm (MAE-style subset) without leaking', () => {
    const x = img(2, 8, 3, 8);
    const before = tf.memory().numTensors;
    const latent = tf.tidy(() => {
      const visible = tf.gather(
        vitParts.embed(x),
        tf.tensor2d(
          [
            [3, 1],
            [0, 2],
          ],
          undefined,
          'int32',
        ),
        1,
        1,
      );
      return vitParts.encode(vitParts.prependClassToken(visible));
    });
    expect(latent.shape).toEqual([2, 3, 16]);
    latent.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
