import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '@selfsup/core';
import { BatchNorm } from '../layers/batch-norm';
import { Conv2d } from '../layers/conv2d';

/** Supported ResNet depths (torchvision's `resnet18` ... `resnet152`). */
export type ResNetDepth = 18 | 34 | 50 | 101 | 152;

/** Options of {@link resnet}. */
export interface ResNetOptions {
  /** 18 and 34 use BasicBlocks, 50, 101 and 152 Bottlenecks (ResNet v1.5: stride on the 3x3). */
  depth: ResNetDepth;
  /** Image shape [height, width, channels]. */
  inputShape: [number, number, number];
  /**
   * CIFAR stem: a 3x3 stride-1 conv and no max-pool, instead of the 7x7 stride-2 conv and 3x3
   * stride-2 max-pool (SimCLR's CIFAR-10 ResNet, solo-learn, lightly). Default false.
   */
  cifarStem?: boolean;
  /**
   * Zero padding of the CIFAR stem conv. Default 1 (SimCLR: 'SAME', 32 -> 32); solo-learn uses
   * `padding=2` (32 -> 34): pass 2 to reproduce it.
   */
  cifarStemPadding?: number;
  /** Planes of the four stages. Default [64, 128, 256, 512] times `widthMultiplier`. */
  widths?: [number, number, number, number];
  /**
   * Multiplies every width, the stem included, as SimCLR's ResNet-50 (2x) and (4x). Default 1.
   * Ignored when `widths` is given.
   */
  widthMultiplier?: number;
  /**
   * Initialize the last batch-norm gamma of every residual branch to zero, so each block starts
   * as the identity (torchvision's `zero_init_residual`, Goyal et al. 2017). Default false.
   */
  zeroInitResidual?: boolean;
  /** Model name and prefix of its layer names. Default `resnet<depth>`. */
  name?: string;
}

const STAGES: Record<ResNetDepth, { blocks: number[]; bottleneck: boolean }> = {
  18: { blocks: [2, 2, 2, 2], bottleneck: false },
  34: { blocks: [3, 4, 6, 3], bottleneck: false },
  50: { blocks: [3, 4, 6, 3], bottleneck: true },
  101: { blocks: [3, 4, 23, 3], bottleneck: true },
  152: { blocks: [3, 8, 36, 3], bottleneck: true },
};

/**
 * A ResNet encoder with torchvision's layout (`torchvision.models.resnet`), without the `fc`
 * classifier: stem, four stages (strides 1, 2, 2, 2), global average pooling to [B, D] with
 * D = widths[3] (BasicBlock) or 4 * widths[3] (Bottleneck). Downsampling shortcuts are a 1x1
 * conv + BN where the stride or width changes. Convs have no bias and are initialized
 * `kaiming_normal_(mode='fan_out', nonlinearity='relu')`; batch norms (PyTorch momentum 0.1,
 * epsilon 1e-5) gamma 1, beta 0. Convs pad symmetrically as PyTorch ({@link Conv2d}), and the
 * max-pool after explicit zero padding, so torchvision weights map one to one.
 *
 * Layers carry torchvision's module names under `<name>.`: `conv1`, `bn1`, `maxpool`,
 * `layer<s>.<b>.conv1|bn1|conv2|bn2|conv3|bn3|downsample.0|downsample.1`, `avgpool`. Kernels
 * are [kh, kw, in, out] (PyTorch's `weight.permute(2, 3, 1, 0)`). The relus are fused into the
 * batch norms before them, and each block's last batch norm (`bn2`, `bn3`) also adds the
 * shortcut: its output is the block's output, `relu(bn(conv(...)) + shortcut)`.
 *
 * Trainable parameters (verified by the tests): ResNet-18 11,176,512 (ImageNet stem) and
 * 11,168,832 (CIFAR stem), ResNet-34 21,284,672, ResNet-50 23,508,032: torchvision's counts
 * minus the fc layer.
 *
 * @param options - See {@link ResNetOptions}.
 * @param rng - Generator of the initialization seeds; defaults to the global one.
 *
 * @example
 * ```ts
 * const encoder = resnet({ depth: 18, inputShape: [32, 32, 3], cifarStem: true }, createRng(0));
 * encoderFeatureDim(encoder); // 512
 * ```
 */
export function resnet(options: ResNetOptions, rng?: Rng): tf.LayersModel {
  const { depth, inputShape, cifarStem = false, zeroInitResidual = false } = options;
  const stages = STAGES[depth];
  if (stages == null) {
    throw new Error(`resnet: depth must be one of 18, 34, 50, 101, 152, got ${String(depth)}`);
  }
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 3 ||
    !inputShape.every((v) => Number.isInteger(v) && v > 0)
  ) {
    throw new Error(
      `resnet: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`,
    );
  }
  const multiplier = options.widthMultiplier ?? 1;
  const widths = options.widths ?? ([64, 128, 256, 512].map((w) => w * multiplier) as number[]);
  if (widths.length !== 4 || !widths.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(
      `resnet: widths must be four positive integers (check widthMultiplier), got ${JSON.stringify(widths)}`,
    );
  }
  const stemPadding = options.cifarStemPadding ?? 1;
  if (!Number.isInteger(stemPadding) || stemPadding < 0) {
    throw new Error(`resnet: cifarStemPadding must be a non-negative integer, got ${stemPadding}`);
  }
  const name = options.name ?? `resnet${depth}`;
  const gen = resolveRng(rng);
  const expansion = stages.bottleneck ? 4 : 1;

  const conv = (
    x: tf.SymbolicTensor,
    filters: number,
    kernel: number,
    stride: number,
    padding: number,
    layerName: string,
  ): tf.SymbolicTensor =>
    // PyTorch's symmetric padding (tfjs 'same' pads strided convs asymmetrically).
    new Conv2d({
      filters,
      kernelSize: kernel,
      stride,
      padding,
      useBias: false,
      init: 'kaimingNormalFanOut',
      seed: gen.seed(),
      name: layerName,
    }).apply(x) as tf.SymbolicTensor;
  // Batch norms fuse the relu (and a block's residual add) that follows them: one pass each way
  // and a third less activation memory; `relu(bn(x) + shortcut)` as in torchvision.
  const bn = (
    x: tf.SymbolicTensor,
    layerName: string,
    opts: { zeroGamma?: boolean; relu?: boolean; residual?: tf.SymbolicTensor } = {},
  ): tf.SymbolicTensor =>
    new BatchNorm({
      name: layerName,
      gammaInit: opts.zeroGamma === true ? 'zeros' : 'ones',
      activation: opts.relu === true ? 'relu' : 'linear',
    }).apply(opts.residual === undefined ? x : [x, opts.residual]) as tf.SymbolicTensor;

  const input = tf.input({ shape: inputShape, name: `${name}.input` });
  const stem = widths[0];
  let x: tf.SymbolicTensor;
  if (cifarStem) {
    x = bn(conv(input, stem, 3, 1, stemPadding, `${name}.conv1`), `${name}.bn1`, { relu: true });
  } else {
    x = bn(conv(input, stem, 7, 2, 3, `${name}.conv1`), `${name}.bn1`, { relu: true });
    // MaxPool2d(3, 2, padding=1) pads with -inf; after the ReLU every value is >= 0, so zero
    // padding gives the same maxima.
    x = tf.layers
      .zeroPadding2d({ padding: 1, name: `${name}.maxpool.pad` })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: `${name}.maxpool` })
      .apply(x) as tf.SymbolicTensor;
  }

  stages.blocks.forEach((count, s) => {
    const planes = widths[s];
    for (let b = 0; b < count; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const p = `${name}.layer${s + 1}.${b}`;
      const inChannels = x.shape[3] as number;
      const outChannels = planes * expansion;
      // The branch, up to its last convolution (seeds drawn in torchvision's module order).
      let y: tf.SymbolicTensor;
      if (stages.bottleneck) {
        y = bn(conv(x, planes, 1, 1, 0, `${p}.conv1`), `${p}.bn1`, { relu: true });
        y = bn(conv(y, planes, 3, stride, 1, `${p}.conv2`), `${p}.bn2`, { relu: true });
        y = conv(y, outChannels, 1, 1, 0, `${p}.conv3`);
      } else {
        y = bn(conv(x, planes, 3, stride, 1, `${p}.conv1`), `${p}.bn1`, { relu: true });
        y = conv(y, planes, 3, 1, 1, `${p}.conv2`);
      }
      let shortcut = x;
      if (stride !== 1 || inChannels !== outChannels) {
        shortcut = bn(conv(x, outChannels, 1, stride, 0, `${p}.downsample.0`), `${p}.downsample.1`);
      }
      // The branch's last batch norm adds the shortcut and applies the block's relu.
      const lastBn = `${p}.bn${stages.bottleneck ? 3 : 2}`;
      x = bn(y, lastBn, { zeroGamma: zeroInitResidual, relu: true, residual: shortcut });
    }
  });
  const features = tf.layers
    .globalAveragePooling2d({ name: `${name}.avgpool` })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: features, name });
}
