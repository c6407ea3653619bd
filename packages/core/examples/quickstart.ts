// SimCLR in 60 lines with @selfsup/core alone: an MLP encoder pretrained on MNIST with NT-Xent.
// Run: node --import tsx examples/quickstart.ts   (STEPS=20 for a quick check)
import * as tf from '@tensorflow/tfjs';
import {
  AdamW,
  compose,
  createRng,
  horizontalFlip,
  imageArraysDataset,
  initBackend,
  loadMnist,
  modelVariables,
  ntXentLoss,
  randomResizedCrop,
  Trainer,
  warmupCosine,
  type SSLMethod,
  type StepOutput,
  type Views,
} from '@selfsup/core';

type Batch = Views<{ image: tf.Tensor4D; label: number[] }>;

function mlp(name: string, units: number[], inputShape: number[]): tf.Sequential {
  const model = tf.sequential({ name });
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape, name: `${name}_flat` }));
  units.forEach((u, i) =>
    model.add(
      tf.layers.dense({
        units: u,
        inputShape: i === 0 && inputShape.length === 1 ? inputShape : undefined,
        activation: i < units.length - 1 ? 'relu' : 'linear',
        name: `${name}_fc${i}`,
      }),
    ),
  );
  return model;
}

class SimCLR implements SSLMethod<Batch> {
  readonly name = 'simclr-mlp';
  readonly encoder = mlp('encoder', [512, 128], [28, 28, 1]);
  readonly projector = mlp('projector', [128, 64], [128]);
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
  loss({ views: [a, b] }: Batch): StepOutput {
    const project = (x: tf.Tensor4D) =>
      this.projector.apply(this.encoder.apply(x, { training: true })) as tf.Tensor2D;
    return { loss: ntXentLoss(project(a), project(b), { temperature: 0.5 }) };
  }
  config() {
    return { temperature: 0.5 };
  }
}

const backend = await initBackend(); // tfjs-node-gpu > tfjs-node > wasm > cpu
console.log(backend.reason);
const steps = Number(process.env.STEPS ?? 300);
const augment = compose([randomResizedCrop({ size: 28, scale: [0.4, 1] }), horizontalFlip()]);
const data = imageArraysDataset(await loadMnist({ limit: 20_000 }))
  .shuffle(undefined, createRng(1))
  .batch(256, { dropRemainder: true })
  .twoViews(augment, createRng(2))
  .prefetch(2);
const summary = await new Trainer({
  method: new SimCLR(),
  optimizer: new AdamW({ learningRate: 1e-3, weightDecay: 1e-4 }),
  schedule: warmupCosine({ baseLr: 1e-3, warmupSteps: Math.ceil(steps / 10), totalSteps: steps }),
  data,
  steps,
  seed: 0,
}).fit();
console.log(`${summary.steps} steps, final loss ${summary.finalLoss.toFixed(3)}`);
