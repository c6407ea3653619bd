import * as tf from '@tensorflow/tfjs';
import {
  MemoryQueue,
  infoNCELoss,
  l2Normalize,
  resolveRng,
  type MethodState,
  type Rng,
  type SSLMethod,
  type StepOutput,
} from '@selfsup/core';
import { encoderFeatureDim } from '../../encoders/encoder-feature-dim';
import { projectionHead } from '../../heads/projection-head';
import { MomentumTarget } from '../internal/momentum-target';
import { checkChain, checkNumber, partsVariables } from '../internal/networks';
import { batchNormLayers, forwardInSplits, keyPermutation } from '../internal/split-batch';
import { twoViewsOf } from '../internal/views';
import {
  recommendedOptimizer,
  type OptimizerRecipe,
  type RecommendedOptimizer,
  type RecommendedOptimizerOptions,
} from '../optimizer-recipe';
import type { ViewsBatch } from '../views-batch';

/**
 * Options of {@link MoCoV2}.
 *
 * @example
 * ```ts
 * const o: MoCoV2Options = { encoder, queueSize: 65536, datasetSize: 50_000, temperature: 0.2, bnSplits: 8 };
 * ```
 */
export interface MoCoV2Options {
  /** Query backbone: images -> features [B, D]. Kept after pretraining. */
  encoder: tf.LayersModel;
  /** Query projector. Default: MoCo v2's MLP D -> D -> 128 (ReLU, no batch norm). */
  projector?: tf.LayersModel;
  /** Queue length K. Default 65536; clamped to `datasetSize` when that is given. */
  queueSize?: number;
  /**
   * Images in the training set. The queue then holds at most this many keys: with more, it would
   * hold keys of the very image being queried (from earlier epochs) as negatives.
   */
  datasetSize?: number;
  /** InfoNCE temperature. Default 0.2 (MoCo v2; v1 used 0.07). */
  temperature?: number;
  /** EMA momentum of the key encoder, constant. Default 0.999. */
  momentum?: number;
  /**
   * Shuffle-BN on one device: sub-batches the batch is cut into for batch normalization, the keys
   * being shuffled across them. Default 8 (MoCo's 8 GPUs, and `--bn-splits 8` of the official
   * CIFAR-10 demo). 1 turns it off (batch statistics over the whole batch for both encoders).
   * Ignored (1) when the networks have no selfsup BatchNorm layer.
   */
  bnSplits?: number;
  /** Receives the note about a clamped queue. Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/**
 * MoCo v2, Momentum Contrast with an MLP head (Chen, Fan, Girshick & He, "Improved Baselines with
 * Momentum Contrastive Learning", 2020; facebookresearch/moco `main_moco.py --mlp --moco-t 0.2
 * --aug-plus --cos`).
 *
 * The first view goes through the query encoder and projector; the second through the key encoder
 * and projector, an EMA of the query ones (`key <- m * key + (1 - m) * query`, m = 0.999, after each
 * step) that receives no gradient. The loss is InfoNCE (core's `infoNCELoss`, temperature 0.2): each
 * query against its key and the K keys of a FIFO queue (core's `MemoryQueue`, initialized with random
 * unit vectors). `afterStep` updates the key encoder and enqueues this step's L2-normalized keys,
 * oldest out first. The loss is asymmetric, as in MoCo v2 (MoCo v3 is the symmetric one).
 *
 * **Shuffle-BN on one device.** With batch norm computed over the same images for queries and
 * keys, the network can tell a positive key from the queue's negatives by batch statistics
 * instead of content ("cheating" through intra-batch communication, section 3.3 of the MoCo
 * paper); MoCo splits the batch over 8 GPUs and shuffles the keys across them. Here both encoders
 * run on `bnSplits` sub-batches (batch norm per sub-batch, as on `bnSplits` GPUs) and the key
 * sub-batches are made from a random permutation of the images, undone after the key encoder: so a
 * key's batch statistics come from other images than its query's, as with ShuffleBN. This is the
 * official CIFAR-10 demo's SplitBatchNorm (whose authors report a 4% loss without ShuffleBN). The
 * permutation is drawn from `(seed, step)`, so a resumed run repeats it. The batch must hold at
 * least 2 images per sub-batch.
 *
 * **Queue size.** K defaults to 65536 and is clamped to `datasetSize` (60000 for MNIST, say): a
 * queue longer than the dataset holds a key of every image, its own query's included, as a
 * negative. A note says so when it happens.
 *
 * Recommended optimizer ({@link MoCoV2.recipe}): SGD, 0.03 x batch / 256, momentum 0.9, weight
 * decay 1e-4, cosine decay without warm-up, 200 epochs.
 *
 * @example
 * ```ts
 * const moco = new MoCoV2({ encoder, datasetSize: 60_000, queueSize: 4096 }, createRng(0));
 * const data = mnist.batch(256, { dropRemainder: true }).twoViews(mocoV2Augment({ size: 28, flip: 0 }), rng);
 * const { optimizer, schedule } = MoCoV2.recommendedOptimizer({ batchSize: 256, totalSteps: 4680 });
 * await new Trainer({ method: moco, optimizer, schedule, data, epochs: 20 }).fit();
 * ```
 */
export class MoCoV2 implements SSLMethod<ViewsBatch> {
  readonly name = 'moco-v2';
  readonly encoder: tf.LayersModel;
  readonly projector: tf.LayersModel;
  /** The key (momentum) encoder and projector. */
  readonly keyNetwork: readonly [tf.LayersModel, tf.LayersModel];
  readonly temperature: number;
  readonly momentum: number;
  /** Queue length K actually used (after clamping to the dataset size). */
  readonly queueSize: number;
  /** What was asked for before clamping. */
  readonly requestedQueueSize: number;
  readonly bnSplits: number;
  readonly queue: MemoryQueue;
  private readonly ema: MomentumTarget;
  private readonly shuffleSeed: number;
  private pending: tf.Tensor2D[] = [];

  /**
   * MoCo v2's optimizer: SGD (momentum 0.9), 0.03 x batch / 256, weight decay 1e-4 on every
   * variable, cosine decay to 0 without warm-up, 200 epochs of batch 256 (facebookresearch/moco).
   */
  static readonly recipe: OptimizerRecipe = {
    optimizer: 'sgd',
    baseLearningRate: 0.03,
    learningRateScaling: 'linear',
    weightDecay: 1e-4,
    momentum: 0.9,
    warmupEpochs: 0,
    reference: {
      batchSize: 256,
      epochs: 200,
      source: 'Chen et al. 2020 (MoCo v2); facebookresearch/moco',
    },
  };

  /**
   * SGD and cosine schedule of {@link MoCoV2.recipe}, scaled to `batchSize`.
   *
   * @example
   * ```ts
   * const { optimizer, schedule } = MoCoV2.recommendedOptimizer({ batchSize: 256, totalSteps: 10_000 });
   * ```
   */
  static recommendedOptimizer(options: RecommendedOptimizerOptions): RecommendedOptimizer {
    return recommendedOptimizer(MoCoV2.recipe, options);
  }

  /**
   * @param options - See {@link MoCoV2Options}.
   * @param rng - Seeds the default projector, the queue's initial keys and the key shuffles.
   */
  constructor(options: MoCoV2Options, rng?: Rng) {
    if (!(options?.encoder instanceof tf.LayersModel))
      throw new Error('MoCoV2: options.encoder must be a tf.LayersModel');
    const gen = resolveRng(rng);
    this.encoder = options.encoder;
    const d = encoderFeatureDim(this.encoder);
    this.projector =
      options.projector ??
      projectionHead(
        { inputDim: d, hiddenDim: d, outputDim: 128, batchNorm: false, name: 'moco_projector' },
        gen,
      );
    checkChain(this.encoder, this.projector, 'MoCoV2', 'encoder', 'projector');
    this.temperature = checkNumber(
      'MoCoV2',
      'temperature',
      options.temperature ?? 0.2,
      0,
      Infinity,
      true,
    );
    this.momentum = checkNumber('MoCoV2', 'momentum', options.momentum ?? 0.999, 0, 1);
    const requested = options.queueSize ?? 65536;
    if (!Number.isInteger(requested) || requested <= 0)
      throw new Error(`MoCoV2: queueSize must be a positive integer, got ${requested}`);
    const datasetSize = options.datasetSize;
    if (datasetSize !== undefined && (!Number.isInteger(datasetSize) || datasetSize <= 0)) {
      throw new Error(`MoCoV2: datasetSize must be a positive integer, got ${datasetSize}`);
    }
    this.requestedQueueSize = requested;
    this.queueSize = datasetSize !== undefined ? Math.min(requested, datasetSize) : requested;
    if (this.queueSize < requested) {
      (options.onWarning ?? console.warn)(
        `MoCoV2: queueSize ${requested} clamped to the dataset size ${datasetSize}: a longer queue would hold keys of the query's own image as negatives`,
      );
    }
    const splits = options.bnSplits ?? 8;
    if (!Number.isInteger(splits) || splits < 1)
      throw new Error(`MoCoV2: bnSplits must be a positive integer, got ${splits}`);
    const hasBn = batchNormLayers(this.encoder).length + batchNormLayers(this.projector).length > 0;
    this.bnSplits = hasBn ? splits : 1;
    this.ema = new MomentumTarget([
      ['key.encoder', this.encoder],
      ['key.projector', this.projector],
    ]);
    this.keyNetwork = [this.ema.models[0], this.ema.models[1]];
    this.queue = new MemoryQueue(
      { size: this.queueSize, dim: encoderFeatureDim(this.projector) },
      gen,
    );
    this.shuffleSeed = gen.nextUint32();
  }

  trainableVariables(): Record<string, tf.Variable> {
    return partsVariables(this.queryParts(), true);
  }

  allVariables(): Record<string, tf.Variable> {
    return partsVariables([...this.queryParts(), ...this.ema.parts], false);
  }

  /**
   * InfoNCE of the queries (first view) against their keys (second view) and the queue. Keeps the
   * normalized keys for `afterStep` to enqueue.
   */
  loss(batch: ViewsBatch, step = 0): StepOutput {
    const [a, b] = twoViewsOf(batch, 'MoCoV2');
    const n = a.shape[0];
    if (n < 2 * this.bnSplits) {
      throw new Error(
        `MoCoV2.loss: bnSplits ${this.bnSplits} needs a batch of at least ${2 * this.bnSplits} images, got ${n}`,
      );
    }
    return tf.tidy(() => {
      const q = forwardInSplits([this.encoder, this.projector], a, this.bnSplits);
      const k = l2Normalize(this.keys(b, step));
      this.pending.push(tf.keep(k));
      return { loss: infoNCELoss(q, k, this.queue.get(), { temperature: this.temperature }) };
    });
  }

  /** Key-encoder EMA, then this step's keys into the queue. */
  afterStep(): void {
    this.ema.update(this.momentum);
    for (const k of this.pending) {
      this.queue.enqueue(k);
      k.dispose();
    }
    this.pending = [];
  }

  /** The queue (the queue's own tensor: read it, do not dispose it), its pointer and fill count. */
  state(): MethodState {
    return {
      queue: this.queue.get(),
      queuePointer: this.queue.pointer,
      queueFilled: this.queue.filled,
    };
  }

  loadState(state: MethodState): void {
    const { queue, queuePointer, queueFilled } = state;
    if (
      !(queue instanceof tf.Tensor) ||
      typeof queuePointer !== 'number' ||
      typeof queueFilled !== 'number'
    ) {
      throw new Error(
        'MoCoV2.loadState: expected { queue: Tensor2D, queuePointer: number, queueFilled: number }',
      );
    }
    this.queue.loadState({
      queue: queue as tf.Tensor2D,
      pointer: queuePointer,
      filled: queueFilled,
    });
  }

  config(): Record<string, unknown> {
    return {
      temperature: this.temperature,
      momentum: this.momentum,
      queueSize: this.queueSize,
      requestedQueueSize: this.requestedQueueSize,
      bnSplits: this.bnSplits,
      encoder: this.encoder.name,
      featureDim: encoderFeatureDim(this.encoder),
      projectionDim: encoderFeatureDim(this.projector),
    };
  }

  /** Frees the key network, the queue and any keys not yet enqueued. */
  dispose(): void {
    this.ema.dispose();
    this.queue.dispose();
    tf.dispose(this.pending);
    this.pending = [];
  }

  /** Key-network outputs of `x` with shuffle-BN: permute, split, forward, unpermute. */
  private keys(x: tf.Tensor4D, step: number): tf.Tensor2D {
    if (this.bnSplits === 1) return forwardInSplits(this.keyNetwork, x, 1);
    const n = x.shape[0];
    const perm = keyPermutation(this.shuffleSeed, step, n);
    const inverse = new Int32Array(n);
    perm.forEach((p, i) => (inverse[p] = i));
    const shuffled = tf.gather(x, tf.tensor1d(perm, 'int32'));
    const k = forwardInSplits(this.keyNetwork, shuffled, this.bnSplits);
    return tf.gather(k, tf.tensor1d(inverse, 'int32'));
  }

  private queryParts(): Array<[string, tf.LayersModel]> {
    return [
      ['query.encoder', this.encoder],
      ['query.projector', this.projector],
    ];
  }
}
