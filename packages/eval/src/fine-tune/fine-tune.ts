import * as tf from '@tensorflow/tfjs';
import { AdamW, resolveRng, type Rng } from '@selfsup/core';
import { toInt32Labels } from '../internal/to-labels';
import type { LabelledData } from '../types';

/** Train and (optional) test splits for {@link fineTune}. */
export interface FineTuneData {
  train: LabelledData;
  test?: LabelledData;
}

/** Options of {@link fineTune}. */
export interface FineTuneOptions {
  /** Base learning rate of the encoder (its last layer gets exactly this). */
  encoderLr: number;
  /** Learning rate of the head. */
  headLr: number;
  /** Passes over the training split. */
  epochs: number;
  /**
   * Layer-wise learning-rate decay (BEiT / MAE): encoder layer `i` of `L` gets
   * `encoderLr * layerDecay^(L - i)`, so layers nearer the input move less. Default 0.75
   * (MAE's ViT-B recipe); 1 disables it.
   */
  layerDecay?: number;
  /** Examples per step. Default 64. */
  batchSize?: number;
  /** Decoupled weight decay of AdamW (biases and normalization parameters excluded). Default 0.05. */
  weightDecay?: number;
  /**
   * Depth `i` (1..L) of each encoder layer that has trainable weights. Default: its position
   * among those layers, in `encoder.layers` order. Override to give a transformer block's
   * sub-layers one shared depth; `L` is the largest depth returned.
   */
  layerDepth?: (layer: tf.layers.Layer, position: number) => number;
}

/** Learning rate given to one layer. */
export interface LayerLearningRate {
  layer: string;
  /** 1..L for encoder layers; `L + 1` for the head. */
  depth: number;
  learningRate: number;
}

/** Result of {@link fineTune}. */
export interface FineTuneResult {
  /** Encoder followed by head, sharing (and having trained) their layers. */
  model: tf.LayersModel;
  /** Top-1 accuracy on the training split after training, in inference mode. */
  trainAccuracy: number;
  /** Top-1 accuracy on the test split (undefined without one). */
  testAccuracy?: number;
  /** Mean training loss (cross-entropy) of each epoch. */
  losses: number[];
  /** Learning rate of every layer with trainable weights. */
  learningRates: LayerLearningRate[];
}

async function accuracyOf(
  model: tf.LayersModel,
  data: LabelledData,
  batchSize: number,
): Promise<number> {
  const labels = toInt32Labels(data.y, 'fineTune');
  const n = data.x.shape[0];
  let hits = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const pred = tf.tidy(() =>
      tf.argMax(model.predict(tf.slice(data.x, [start], [size])) as tf.Tensor, -1),
    );
    const p = await pred.data();
    pred.dispose();
    for (let i = 0; i < size; i++) if (p[i] === labels[start + i]) hits++;
  }
  return n ? hits / n : 0;
}

/**
 * Fine-tunes a pretrained encoder together with a classification head (the head outputs logits)
 * on labelled data, with softmax cross-entropy and AdamW (core's, exactly PyTorch's update), the
 * pretrained layers at lower learning rates: layer-wise decay as in BEiT and MAE, encoder layer
 * `i` of `L` at `encoderLr * layerDecay^(L - i)`, the head at `headLr`. One AdamW per distinct
 * learning rate, since Adam's update is invariant to gradient scale. Batches are shuffled each
 * epoch with `rng`. The encoder and head are trained in place (clone them first to keep the
 * pretrained weights); the returned model shares their layers.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { fineTune } from '@selfsup/eval';
 * import { createRng } from '@selfsup/core';
 *
 * const head = tf.sequential({ layers: [tf.layers.dense({ inputShape: [128], units: 10 })] });
 * const r = await fineTune(encoder, head, { train, test }, {
 *   encoderLr: 1e-4, headLr: 1e-3, epochs: 3, layerDecay: 0.75,
 * }, createRng(0));
 * console.log(r.trainAccuracy, r.testAccuracy);
 * ```
 */
export async function fineTune(
  encoder: tf.LayersModel,
  head: tf.LayersModel | tf.layers.Layer,
  data: FineTuneData,
  options: FineTuneOptions,
  rng?: Rng,
): Promise<FineTuneResult> {
  const { encoderLr, headLr, epochs } = options;
  const layerDecay = options.layerDecay ?? 0.75;
  const batchSize = options.batchSize ?? 64;
  const weightDecay = options.weightDecay ?? 0.05;
  for (const [name, v] of Object.entries({ encoderLr, headLr, layerDecay, weightDecay })) {
    if (!(v >= 0) || !Number.isFinite(v))
      throw new Error(`fineTune: ${name} must be a finite number >= 0, got ${v}`);
  }
  for (const [name, v] of Object.entries({ epochs, batchSize })) {
    if (!Number.isInteger(v) || v <= 0)
      throw new Error(`fineTune: ${name} must be a positive integer, got ${v}`);
  }
  if (encoder.outputs.length !== 1) {
    throw new Error(`fineTune: encoder must have one output, got ${encoder.outputs.length}`);
  }
  const r = resolveRng(rng);
  const output = head.apply(encoder.outputs[0]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: encoder.inputs, outputs: output });
  const numClasses = output.shape[output.shape.length - 1];
  if (typeof numClasses !== 'number')
    throw new Error('fineTune: the head must output a known number of classes');

  // Learning rate of every trainable layer; the head is one group at depth L + 1.
  const weighted = encoder.layers.filter((l) => l.trainable && l.trainableWeights.length > 0);
  const depths = weighted.map((l, i) =>
    options.layerDepth ? options.layerDepth(l, i + 1) : i + 1,
  );
  const L = Math.max(0, ...depths);
  const learningRates: LayerLearningRate[] = weighted.map((l, i) => ({
    layer: l.name,
    depth: depths[i],
    learningRate: encoderLr * layerDecay ** (L - depths[i]),
  }));
  const groups = new Map<number, tf.Variable[]>();
  const addToGroup = (lr: number, vars: tf.Variable[]) => {
    if (lr === 0 || vars.length === 0) return; // frozen
    groups.set(lr, [...(groups.get(lr) ?? []), ...vars]);
  };
  weighted.forEach((l, i) =>
    addToGroup(
      learningRates[i].learningRate,
      l.trainableWeights.map((w) => w.read() as tf.Variable),
    ),
  );
  const headVars = head.trainableWeights.map((w) => w.read() as tf.Variable);
  learningRates.push({ layer: head.name, depth: L + 1, learningRate: headLr });
  addToGroup(headLr, headVars);
  const optimizers = [...groups].map(([lr, vars]) => ({
    opt: new AdamW({ learningRate: lr, weightDecay }),
    vars,
  }));
  const allVars = [...groups.values()].flat();
  if (allVars.length === 0)
    throw new Error('fineTune: no trainable weights with a learning rate > 0');

  const labels = toInt32Labels(data.train.y, 'fineTune');
  const x = data.train.x;
  const n = x.shape[0];
  if (labels.length !== n)
    throw new Error(`fineTune: train has ${n} inputs but ${labels.length} labels`);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = r.permutation(n);
      let total = 0;
      let steps = 0;
      for (let start = 0; start < n; start += batchSize) {
        const idx = order.subarray(start, Math.min(n, start + batchSize));
        const yb = new Int32Array(idx.length);
        idx.forEach((row, i) => (yb[i] = labels[row]));
        const loss = tf.tidy(() => {
          const xb = tf.gather(x, tf.tensor1d(idx, 'int32'));
          const target = tf.oneHot(tf.tensor1d(yb, 'int32'), numClasses);
          const { value, grads } = tf.variableGrads(
            () =>
              tf.losses.softmaxCrossEntropy(
                target,
                model.apply(xb, { training: true }) as tf.Tensor,
              ) as tf.Scalar,
            allVars,
          );
          for (const { opt, vars } of optimizers) opt.applyGradients(grads, vars);
          return value;
        });
        total += (await loss.data())[0];
        loss.dispose();
        steps++;
      }
      losses.push(total / steps);
    }
  } finally {
    for (const { opt } of optimizers) opt.dispose();
  }
  const evalBatch = Math.max(batchSize, 256);
  return {
    model,
    trainAccuracy: await accuracyOf(model, data.train, evalBatch),
    testAccuracy: data.test ? await accuracyOf(model, data.test, evalBatch) : undefined,
    losses,
    learningRates,
  };
}
