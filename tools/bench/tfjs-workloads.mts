// The five benchmark workloads on the selfsup side: models from @selfsup/vision, losses, masking and
// optimizers from @selfsup/core, all imported from source. torch_bench.py builds the same
// architectures layer for layer; both read their sizes from workloads.json.
//
// @selfsup/text and @selfsup/audio have no models yet, so BERT-tiny and the wav2vec 2.0-style
// model are assembled here from the library's TransformerBlock and LayerNorm (pre-LN, as the
// library's ViT) plus a few tensors; see README.md in this folder for the deviations from the
// original architectures, which the PyTorch side reproduces exactly.
import * as tf from '@tensorflow/tfjs';
import {
  AdamW,
  SGD,
  bertMasking,
  gelu,
  maskedCrossEntropy,
  maskedReconstructionLoss,
  ntXentLoss,
  randomPatchMask,
  sampleNegativeIndices,
  wav2vec2ContrastiveLoss,
  type Optimizer,
  type Rng,
} from '@selfsup/core';
import { VisionTransformer, resnet, smallConvNet } from '../../packages/vision/src/encoders/index';
import { projectionHead } from '../../packages/vision/src/heads/index';
import {
  LayerNorm,
  TransformerBlock,
  sincosPositionEmbedding2d,
} from '../../packages/vision/src/layers/index';

/** One entry of workloads.json (the fields a workload uses). */
export interface WorkloadSpec {
  id: number;
  key: string;
  title: string;
  batch: number;
  quickBatch: number;
  optimizer: {
    kind: 'sgd' | 'adamw';
    lr: number;
    momentum?: number;
    betas?: [number, number];
    eps?: number;
    weightDecay: number;
  };
  [field: string]: unknown;
}

/** A workload ready to train: `run()` is one training step and returns its loss (caller disposes). */
export interface BuiltWorkload {
  batch: number;
  /** What the samples/s figure counts. */
  sampleUnit: string;
  /** Trainable parameters. */
  params: number;
  /** Non-trainable state (batch-norm running statistics, fixed position tables). */
  nonTrainable: number;
  /** Which selfsup code runs the step. */
  impl: string;
  run(): tf.Scalar;
}

type Vars = tf.Variable[];

const num = (spec: WorkloadSpec, field: string): number => {
  const v = spec[field];
  if (typeof v !== 'number')
    throw new Error(`workloads.json: ${spec.key}.${field} must be a number`);
  return v;
};
const nums = (spec: WorkloadSpec, field: string): number[] => {
  const v = spec[field];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new Error(`workloads.json: ${spec.key}.${field} must be a list of numbers`);
  }
  return v as number[];
};

const sizeOf = (vars: readonly tf.Variable[]): number => vars.reduce((s, v) => s + v.size, 0);
const trainableOf = (model: tf.LayersModel | tf.layers.Layer): Vars =>
  model.trainableWeights.map((w) => w.read() as tf.Variable);
const nonTrainableOf = (model: tf.LayersModel | tf.layers.Layer): number =>
  model.nonTrainableWeights.reduce((s, w) => s + w.read().size, 0);

function makeOptimizer(spec: WorkloadSpec): Optimizer {
  const o = spec.optimizer;
  if (o.kind === 'sgd') {
    return new SGD({ learningRate: o.lr, momentum: o.momentum ?? 0, weightDecay: o.weightDecay });
  }
  // AdamW's default exclusion (rank <= 1: biases and norms) is what torch_bench.py's groups do.
  return new AdamW({
    learningRate: o.lr,
    beta1: o.betas?.[0],
    beta2: o.betas?.[1],
    epsilon: o.eps,
    weightDecay: o.weightDecay,
  });
}

/** Forward, backward and optimizer update; returns the loss. */
function trainStep(loss: () => tf.Scalar, vars: Vars, optimizer: Optimizer): tf.Scalar {
  const { value, grads } = tf.variableGrads(loss, vars);
  optimizer.applyGradients(grads, vars);
  tf.dispose(grads);
  return value;
}

/** A `[inDim, outDim]` kernel (and bias) with PyTorch's nn.Linear default init. */
function linearVars(name: string, inDim: number, outDim: number, rng: Rng, bias = true): Vars {
  const bound = 1 / Math.sqrt(inDim);
  const vars = [
    tf.variable(
      tf.randomUniform([inDim, outDim], -bound, bound, 'float32', rng.seed()),
      true,
      `${name}/kernel`,
    ),
  ];
  if (bias) {
    vars.push(
      tf.variable(
        tf.randomUniform([outDim], -bound, bound, 'float32', rng.seed()),
        true,
        `${name}/bias`,
      ),
    );
  }
  return vars;
}

/** x [..., inDim] times a linearVars kernel, as one plain 2-D matMul (the fast path on wasm). */
function linear(x: tf.Tensor, [kernel, bias]: Vars): tf.Tensor {
  const inDim = kernel.shape[0];
  const outDim = kernel.shape[1];
  const y = tf.matMul(tf.reshape(x, [-1, inDim]), kernel);
  return tf.reshape(bias === undefined ? y : tf.add(y, bias), [...x.shape.slice(0, -1), outDim]);
}

/** Exact (erf) GELU, as PyTorch's nn.GELU() and the library's ViT blocks (core's fused op). */
const geluExact = (x: tf.Tensor): tf.Tensor => gelu(x, { approximate: 'none' });

/**
 * rows[b, k] = x[b, index[b * K + k]] for x [B, L, D]: one gather on the flattened batch. (A
 * gather with batchDims 1 has a gradient that loops over the batch, one segment sum per row.)
 */
function gatherRows(x: tf.Tensor, index: Int32Array, perRow: number): tf.Tensor3D {
  const [b, l, d] = x.shape;
  const flat = new Int32Array(index.length);
  for (let i = 0; i < index.length; i++) flat[i] = Math.floor(i / perRow) * l + index[i];
  return tf.tidy(() => {
    const rows = tf.gather(tf.reshape(x, [b * l, d]), tf.tensor1d(flat, 'int32'));
    return tf.reshape(rows, [b, perRow, d]) as tf.Tensor3D;
  });
}

/** Builds one layer (creating its weights) by applying it to zeros of `shape`. */
function build<L extends tf.layers.Layer>(layer: L, shape: number[]): L {
  tf.tidy(() => {
    layer.apply(tf.zeros(shape));
  });
  return layer;
}

// ---------------------------------------------------------------------------------------------
// 1 and 2: SimCLR

async function simclr(spec: WorkloadSpec, batch: number, rng: Rng): Promise<BuiltWorkload> {
  const [h, w, c] = nums(spec, 'image') as [number, number, number];
  const widths = nums(spec, 'widths');
  const [projIn, projHidden, projOut] = nums(spec, 'projection');
  const temperature = num(spec, 'temperature');
  const encoder =
    spec.key === 'simclr-convnet'
      ? smallConvNet({ inputShape: [h, w, c], widths, name: 'convnet' }, rng)
      : resnet(
          {
            depth: 18,
            inputShape: [h, w, c],
            cifarStem: true,
            widths: widths as [number, number, number, number],
          },
          rng,
        );
  // SimCLR's projector (google-research/simclr, and SimCLR.defaultProjector in @selfsup/vision):
  // Linear-BN-ReLU-Linear-BN, the last batch norm without beta.
  const projector = projectionHead(
    {
      inputDim: projIn,
      hiddenDim: projHidden,
      outputDim: projOut,
      numLayers: 2,
      lastBatchNorm: { center: false },
      name: 'simclr_projector',
    },
    rng,
  );
  const views = [0, 1].map(() => tf.randomUniform([batch, h, w, c], 0, 1, 'float32', rng.seed()));

  // The SimCLR method class when it is there (it is being written), else the same computation.
  let loss: () => tf.Scalar;
  let impl: string;
  try {
    const mod = (await import('../../packages/vision/src/methods/simclr/index')) as {
      SimCLR?: new (
        options: { encoder: tf.LayersModel; projector: tf.LayersModel; temperature: number },
        rng?: Rng,
      ) => { loss(batch: { views: tf.Tensor4D[] }): { loss: tf.Scalar } };
    };
    if (mod.SimCLR === undefined) throw new Error('no SimCLR export');
    const method = new mod.SimCLR({ encoder, projector, temperature }, rng);
    loss = () => method.loss({ views: views as tf.Tensor4D[] }).loss;
    impl = 'SimCLR method class (@selfsup/vision methods/simclr)';
  } catch (e) {
    loss = () =>
      tf.tidy(() => {
        // As SimCLR.loss: both views through the networks in one batch of 2N (batch-norm statistics
        // over both views), then NT-Xent.
        const z = projector.apply(encoder.apply(tf.concat(views, 0), { training: true }), {
          training: true,
        }) as tf.Tensor2D;
        const [z1, z2] = tf.split(z, 2, 0);
        return ntXentLoss(z1, z2, { temperature });
      });
    impl = `encoder + projectionHead + ntXentLoss (SimCLR class not importable: ${(e as Error).message.split('\n')[0]})`;
  }
  const vars = [...trainableOf(encoder), ...trainableOf(projector)];
  const optimizer = makeOptimizer(spec);
  return {
    batch,
    sampleUnit: 'images (2 views each)',
    params: sizeOf(vars),
    nonTrainable: nonTrainableOf(encoder) + nonTrainableOf(projector),
    impl,
    run: () => trainStep(loss, vars, optimizer),
  };
}

// ---------------------------------------------------------------------------------------------
// 3: MAE

async function mae(spec: WorkloadSpec, batch: number, rng: Rng): Promise<BuiltWorkload> {
  const [size, , channels] = nums(spec, 'image');
  const p = num(spec, 'patch');
  const eps = num(spec, 'layerNormEps');
  const mlpRatio = num(spec, 'mlpRatio');
  const decDim = num(spec, 'decoderDim');
  const ratio = num(spec, 'maskRatio');
  const encoder = new VisionTransformer(
    {
      embedDim: num(spec, 'dim'),
      depth: num(spec, 'depth'),
      numHeads: num(spec, 'heads'),
      mlpRatio,
      imageSize: size,
      patchSize: p,
      channels,
      posEmbed: 'sincos',
      layerNormEpsilon: eps,
      name: 'mae_encoder',
    },
    rng,
  );
  const n = encoder.numPatches;
  const grid = size / p;
  const patchDim = p * p * channels;
  const encDim = encoder.embedDim;
  // Decoder as facebookresearch/mae models_mae.py: decoder_embed, mask_token, fixed sin-cos
  // decoder_pos_embed (with a class-token row), blocks, decoder_norm, decoder_pred.
  const decEmbed = linearVars('mae_decoder.embed', encDim, decDim, rng);
  const maskToken = tf.variable(
    tf.randomNormal([1, 1, decDim], 0, 0.02, 'float32', rng.seed()),
    true,
    'mae_decoder.mask_token',
  );
  const decPos = tf.variable(
    tf.tensor3d(sincosPositionEmbedding2d(decDim, grid, grid, { classToken: true }), [
      1,
      n + 1,
      decDim,
    ]),
    false,
    'mae_decoder.pos_embed',
  );
  const blocks = Array.from({ length: num(spec, 'decoderDepth') }, (_, i) =>
    build(
      new TransformerBlock({
        numHeads: num(spec, 'decoderHeads'),
        mlpRatio,
        qkvBias: true,
        epsilon: eps,
        seed: rng.seed(),
        name: `mae_decoder.blocks.${i}`,
      }),
      [1, n + 1, decDim],
    ),
  );
  const decNorm = build(new LayerNorm({ epsilon: eps, name: 'mae_decoder.norm' }), [1, 1, decDim]);
  const decPred = linearVars('mae_decoder.pred', decDim, patchDim, rng);

  const images = tf.randomUniform([batch, size, size, channels], 0, 1, 'float32', rng.seed());
  const lenKeep = Math.floor(n * (1 - ratio));

  const vars = [
    ...trainableOf(encoder.model),
    ...decEmbed,
    maskToken,
    ...blocks.flatMap((b) => trainableOf(b)),
    ...trainableOf(decNorm),
    ...decPred,
  ];
  const optimizer = makeOptimizer(spec);

  const run = (): tf.Scalar => {
    // Per-step masking (MAE's random_masking: argsort of uniform noise), drawn on the host.
    const m = randomPatchMask(batch, n, ratio, rng);
    const mask = tf.tensor2d(Float32Array.from(m.mask), [batch, n]);
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const tokens = encoder.embed(images, true); // [B, N, D], positions added
        const visible = gatherRows(tokens, m.keepIndices, lenKeep);
        const latent = encoder.encode(encoder.prependClassToken(visible), true); // [B, 1+K, D]
        const y = linear(latent, decEmbed); // [B, 1+K, Dd]
        const cls = tf.slice(y, [0, 0, 0], [batch, 1, decDim]);
        const kept = tf.slice(y, [0, 1, 0], [batch, lenKeep, decDim]);
        const masked = tf.broadcastTo(maskToken, [batch, n - lenKeep, decDim]);
        const unshuffled = gatherRows(tf.concat([kept, masked], 1), m.restoreIndices, n);
        let x: tf.Tensor = tf.add(tf.concat([cls, unshuffled], 1), decPos);
        for (const block of blocks) x = block.apply(x, { training: true }) as tf.Tensor;
        x = decNorm.apply(x) as tf.Tensor;
        const pred = tf.slice(linear(x, decPred), [0, 1, 0], [batch, n, patchDim]); // drop cls
        // patchify: [B, H, W, C] -> [B, N, p*p*C]
        const target = tf.reshape(
          tf.transpose(tf.reshape(images, [batch, grid, p, grid, p, channels]), [0, 1, 3, 2, 4, 5]),
          [batch, n, patchDim],
        );
        return maskedReconstructionLoss(pred, target, mask);
      });
    try {
      return trainStep(loss, vars, optimizer);
    } finally {
      mask.dispose();
    }
  };
  return {
    batch,
    sampleUnit: 'images',
    params: sizeOf(vars),
    nonTrainable: nonTrainableOf(encoder.model) + decPos.size,
    impl: 'VisionTransformer (embed/encode) + TransformerBlock decoder + maskedReconstructionLoss',
    run,
  };
}

// ---------------------------------------------------------------------------------------------
// 4: BERT-tiny masked language modelling

async function bert(spec: WorkloadSpec, batch: number, rng: Rng): Promise<BuiltWorkload> {
  const seq = num(spec, 'seqLen');
  const vocab = num(spec, 'vocab');
  const dim = num(spec, 'dim');
  const eps = num(spec, 'layerNormEps');
  const special = nums(spec, 'specialIds');
  const init = (shape: number[], name: string): tf.Variable =>
    tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', rng.seed()), true, name);
  const wordEmb = init([vocab, dim], 'bert.embeddings.word');
  const posEmb = init([seq, dim], 'bert.embeddings.position');
  const typeEmb = init([num(spec, 'typeVocab'), dim], 'bert.embeddings.token_type');
  const embNorm = build(new LayerNorm({ epsilon: eps, name: 'bert.embeddings.norm' }), [1, 1, dim]);
  const blocks = Array.from({ length: num(spec, 'depth') }, (_, i) =>
    build(
      new TransformerBlock({
        numHeads: num(spec, 'heads'),
        mlpRatio: num(spec, 'mlpRatio'),
        qkvBias: true,
        epsilon: eps,
        seed: rng.seed(),
        name: `bert.encoder.${i}`,
      }),
      [1, seq, dim],
    ),
  );
  const finalNorm = build(new LayerNorm({ epsilon: eps, name: 'bert.encoder.norm' }), [1, 1, dim]);
  const transform = linearVars('bert.mlm.transform', dim, dim, rng);
  const headNorm = build(new LayerNorm({ epsilon: eps, name: 'bert.mlm.norm' }), [1, 1, dim]);
  const decoderBias = tf.variable(tf.zeros([vocab]), true, 'bert.mlm.decoder_bias');

  // [CLS] random tokens [SEP]; ids below special.length are special.
  const ids = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seq; t++) {
      ids[b * seq + t] =
        t === 0 ? 2 : t === seq - 1 ? 3 : special.length + rng.int(vocab - special.length);
    }
  }
  const tokenTypes = tf.zeros([batch * seq], 'int32');

  const vars = [
    wordEmb,
    posEmb,
    typeEmb,
    ...trainableOf(embNorm),
    ...blocks.flatMap((b) => trainableOf(b)),
    ...trainableOf(finalNorm),
    ...transform,
    ...trainableOf(headNorm),
    decoderBias,
  ];
  const optimizer = makeOptimizer(spec);

  const run = (): tf.Scalar => {
    // Per-step masking (the data collator): 15 %, of which 80 % [MASK], 10 % random, 10 % kept.
    const masked = bertMasking(
      ids,
      {
        vocabSize: vocab,
        maskId: num(spec, 'maskId'),
        padId: num(spec, 'padId'),
        specialIds: special,
        mlmProbability: num(spec, 'mlmProbability'),
      },
      rng,
    );
    const input = tf.tensor1d(masked.inputIds, 'int32');
    const labels = tf.tensor1d(masked.labels, 'int32');
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const emb = tf.add(
          tf.reshape(tf.add(tf.gather(wordEmb, input), tf.gather(typeEmb, tokenTypes)), [
            batch,
            seq,
            dim,
          ]),
          posEmb,
        );
        let x = embNorm.apply(emb) as tf.Tensor;
        for (const block of blocks) x = block.apply(x, { training: true }) as tf.Tensor;
        x = finalNorm.apply(x) as tf.Tensor;
        const h = headNorm.apply(geluExact(linear(x, transform))) as tf.Tensor;
        // Decoder tied to the word embeddings, on every position (as BertForMaskedLM).
        const logits = tf.add(
          tf.matMul(tf.reshape(h, [batch * seq, dim]), wordEmb, false, true),
          decoderBias,
        );
        return maskedCrossEntropy(logits, labels);
      });
    try {
      return trainStep(loss, vars, optimizer);
    } finally {
      tf.dispose([input, labels]);
    }
  };
  return {
    batch,
    sampleUnit: 'sequences of 128 tokens',
    params: sizeOf(vars),
    nonTrainable: 0,
    impl: 'embeddings + TransformerBlock (pre-LN) x 2 + tied MLM head + bertMasking + maskedCrossEntropy',
    run,
  };
}

// ---------------------------------------------------------------------------------------------
// 5: wav2vec 2.0-style

async function wav2vec2(spec: WorkloadSpec, batch: number, rng: Rng): Promise<BuiltWorkload> {
  const samples = num(spec, 'samples');
  const ch = num(spec, 'convChannels');
  const kernels = nums(spec, 'kernels');
  const strides = nums(spec, 'strides');
  const dim = num(spec, 'dim');
  const eps = num(spec, 'layerNormEps');
  const maskedSteps = num(spec, 'maskedSteps');
  const numNegatives = num(spec, 'numNegatives');
  const temperature = num(spec, 'temperature');
  if (ch !== dim) throw new Error('wav2vec2: convChannels must equal dim (no post_extract_proj)');

  let frames = samples;
  let inCh = 1;
  const convs = kernels.map((k, i) => {
    frames = Math.floor((frames - k) / strides[i]) + 1;
    // fairseq: nn.init.kaiming_normal_ on every conv of the feature extractor.
    const filter = tf.variable(
      tf.randomNormal([k, inCh, ch], 0, Math.sqrt(2 / (k * inCh)), 'float32', rng.seed()),
      true,
      `w2v.feature_extractor.${i}.conv`,
    );
    inCh = ch;
    return filter;
  });
  if (maskedSteps >= frames) {
    throw new Error(`wav2vec2: maskedSteps ${maskedSteps} must be < the ${frames} frames`);
  }
  const convNorms = kernels.map((_, i) =>
    build(new LayerNorm({ epsilon: eps, name: `w2v.feature_extractor.${i}.norm` }), [1, 1, ch]),
  );
  const featNorm = build(new LayerNorm({ epsilon: eps, name: 'w2v.layer_norm' }), [1, 1, dim]);
  const maskEmb = tf.variable(
    tf.randomUniform([dim], 0, 1, 'float32', rng.seed()),
    true,
    'w2v.mask_emb',
  );
  const blocks = Array.from({ length: num(spec, 'depth') }, (_, i) =>
    build(
      new TransformerBlock({
        numHeads: num(spec, 'heads'),
        mlpRatio: num(spec, 'mlpRatio'),
        qkvBias: true,
        epsilon: eps,
        seed: rng.seed(),
        name: `w2v.encoder.${i}`,
      }),
      [1, frames, dim],
    ),
  );
  const encNorm = build(new LayerNorm({ epsilon: eps, name: 'w2v.encoder.norm' }), [1, 1, dim]);
  const finalProj = linearVars('w2v.final_proj', dim, dim, rng);
  const projectQ = linearVars('w2v.project_q', dim, dim, rng);

  const wave = tf.randomNormal([batch, samples, 1], 0, 1, 'float32', rng.seed());
  const vars = [
    ...convs,
    ...convNorms.flatMap((l) => trainableOf(l)),
    ...trainableOf(featNorm),
    maskEmb,
    ...blocks.flatMap((b) => trainableOf(b)),
    ...trainableOf(encNorm),
    ...finalProj,
    ...projectQ,
  ];
  const optimizer = makeOptimizer(spec);

  const run = (): tf.Scalar => {
    // maskedSteps random frames per utterance (a fixed count, so that both sides score the same
    // number of steps; see README.md), and numNegatives distractors among them.
    // randomPatchMask keeps floor(frames * (1 - ratio)) = frames - maskedSteps frames.
    const m = randomPatchMask(batch, frames, 1 - (frames - maskedSteps + 0.5) / frames, rng);
    const maskedIdx = new Int32Array(batch * maskedSteps);
    let j = 0;
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < frames; t++) if (m.mask[b * frames + t] === 1) maskedIdx[j++] = t;
    }
    if (j !== maskedIdx.length)
      throw new Error(`wav2vec2: masked ${j} frames, expected ${maskedIdx.length}`);
    const maskTensor = tf.tensor3d(Float32Array.from(m.mask), [batch, frames, 1]);
    const negatives = sampleNegativeIndices(batch, maskedSteps, numNegatives, rng);
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        let x: tf.Tensor = wave;
        convs.forEach((filter, i) => {
          x = tf.conv1d(x as tf.Tensor3D, filter as tf.Tensor3D, strides[i], 'valid');
          x = geluExact(convNorms[i].apply(x) as tf.Tensor);
        });
        const features = featNorm.apply(x) as tf.Tensor; // [B, T, D]
        let h: tf.Tensor = tf.add(
          tf.mul(features, tf.sub(1, maskTensor)),
          tf.mul(maskTensor, maskEmb),
        );
        for (const block of blocks) h = block.apply(h, { training: true }) as tf.Tensor;
        h = encNorm.apply(h) as tf.Tensor;
        const context = linear(gatherRows(h, maskedIdx, maskedSteps), finalProj);
        const targets = linear(gatherRows(features, maskedIdx, maskedSteps), projectQ);
        return wav2vec2ContrastiveLoss(context, targets, negatives, { temperature });
      });
    try {
      return trainStep(loss, vars, optimizer);
    } finally {
      tf.dispose([maskTensor, negatives]);
    }
  };
  return {
    batch,
    sampleUnit: `utterances of ${samples} samples`,
    params: sizeOf(vars),
    nonTrainable: 0,
    impl: 'conv1d + LayerNorm feature encoder, TransformerBlock x 2, wav2vec2ContrastiveLoss',
    run,
  };
}

const BUILDERS: Record<
  string,
  (spec: WorkloadSpec, batch: number, rng: Rng) => Promise<BuiltWorkload>
> = {
  'simclr-convnet': simclr,
  'simclr-resnet18': simclr,
  'mae-vit': mae,
  'bert-tiny-mlm': bert,
  wav2vec2,
};

/** Builds workload `spec` at `batch` (the spec's batch, or its quickBatch). */
export async function buildWorkload(
  spec: WorkloadSpec,
  batch: number,
  rng: Rng,
): Promise<BuiltWorkload> {
  const builder = BUILDERS[spec.key];
  if (builder === undefined) {
    throw new Error(
      `tfjs-workloads: no builder for '${spec.key}' (known: ${Object.keys(BUILDERS).join(', ')})`,
    );
  }
  return builder(spec, batch, rng);
}
