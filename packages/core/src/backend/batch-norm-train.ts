import * as tf from '@tensorflow/tfjs';
import { allocTensor, heapF32, type WasmBackendLike } from './kernels/_util';
import { activeNativeKernels, type NativeKernelsLike } from './native-kernels';

/**
 * Result of {@link batchNormTrain}.
 *
 * @example
 * ```ts
 * const { y, mean, variance }: BatchNormTrainResult<tf.Tensor4D> = batchNormTrain(x, gamma, beta);
 * ```
 */
export interface BatchNormTrainResult<T extends tf.Tensor> {
  /** `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, shaped like x. */
  y: T;
  /** Per-channel batch mean, shape `[C]`. */
  mean: tf.Tensor1D;
  /**
   * Per-channel biased batch variance (divided by N, the one used to normalize), shape `[C]`.
   * PyTorch's running variance uses the unbiased one: multiply by N / (N - 1) for that.
   */
  variance: tf.Tensor1D;
}

/**
 * Options of {@link batchNormTrain}: what to fuse after the normalization.
 *
 * @example
 * ```ts
 * // The end of a ResNet basic block: relu(bn2(conv2) + shortcut), in one pass.
 * const opts: BatchNormTrainOptions<tf.Tensor4D> = { residual: shortcut, relu: true };
 * ```
 */
export interface BatchNormTrainOptions<T extends tf.Tensor> {
  /** Added to the normalized output (before the relu), shaped like x: a residual shortcut. */
  residual?: T;
  /** Apply `max(0, .)` to the result. */
  relu?: boolean;
}

/**
 * Training-mode batch normalization over every axis but the last (channels last: `[B, C]`,
 * `[B, T, C]`, `[B, H, W, C]`, ...), with batch statistics and a hand-written gradient.
 *
 * `tf.batchNorm`'s gradient broadcasts through `tf.tile` (~620 ms a step in a small CNN on wasm)
 * and, when mean/variance come from `tf.moments`, also backpropagates through the moments. Here
 * the whole backward pass is the closed form
 * `dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat))`,
 * `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)`, all leading-axis reductions (fast on wasm with
 * selfsup's kernels). `mean` and `variance` carry no gradient: use them for running statistics.
 *
 * With `options`, `y = relu(bn(x) + residual)` is one op: on `@selfsup/native` one pass each
 * way (no separate add and relu passes), and the backward pass keeps x and y only (the
 * normalized and summed intermediates are never stored), a third less activation memory for a
 * conv-BN-ReLU network.
 *
 * @param x Input, rank >= 2, channels last.
 * @param gamma Scale, shape `[C]`.
 * @param beta Offset, shape `[C]`.
 * @param epsilon Added to the variance before the square root. Default 1e-5.
 * @param options A residual to add and/or a relu to apply in the same op.
 *
 * @example
 * ```ts
 * const { y, mean, variance } = batchNormTrain(features, gamma, beta);
 * runningMean.assign(tf.add(tf.mul(runningMean, 0.9), tf.mul(mean, 0.1)));
 * ```
 */
export function batchNormTrain<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = 1e-5,
  options: BatchNormTrainOptions<T> = {},
): BatchNormTrainResult<T> {
  const rank = x.shape.length;
  if (rank < 2)
    throw new Error(
      `batchNormTrain: expected x of rank >= 2 (channels last), got shape [${x.shape}]`,
    );
  const c = x.shape[rank - 1];
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t.shape.length !== 1 || t.shape[0] !== c) {
      throw new Error(`batchNormTrain: expected ${name} of shape [${c}], got [${t.shape}]`);
    }
  }
  if (!(epsilon > 0)) throw new Error(`batchNormTrain: expected epsilon > 0, got ${epsilon}`);
  const { residual, relu = false } = options;
  if (residual !== undefined && !tf.util.arraysEqual(residual.shape, x.shape)) {
    throw new Error(
      `batchNormTrain: expected residual of x's shape [${x.shape}], got [${residual.shape}]`,
    );
  }
  const inputs: tf.Tensor[] =
    residual === undefined ? [x, gamma, beta] : [x, gamma, beta, residual];
  const axes = Array.from({ length: rank - 1 }, (_, i) => i);
  const n = x.size / c;
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;

  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, g, b, r] = args.slice(0, inputs.length) as tf.Tensor[];
    const save = args[inputs.length] as tf.GradSaveFunc;
    const native = tf.getBackend() === 'wasm' ? activeNativeKernels() : undefined;
    if (native !== undefined && args.slice(0, inputs.length).every(isFloat32) && n > 0) {
      const out = nativeBatchNorm(native, xIn, g, b, epsilon, n, c, r, relu);
      save(relu ? [xIn, out.mean, out.invStd, g, out.y] : [xIn, out.mean, out.invStd, g]);
      stats = [tf.keep(out.mean), tf.keep(out.variance)];
      return {
        value: out.y,
        gradFunc: (d: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, mean, invStd, gm, yOut] = saved;
          const grads = nativeBatchNormGrad(native, d, xs, mean, invStd, gm, n, c, yOut, !!r);
          // Without a relu the residual's gradient is dy itself.
          if (r !== undefined && !relu) grads.push(d);
          return grads;
        },
      };
    }
    const mean = tf.mean(xIn, axes) as tf.Tensor1D;
    const centered = tf.sub(xIn, mean);
    const variance = tf.mean(tf.mul(centered, centered), axes) as tf.Tensor1D;
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(centered, invStd);
    let pre = tf.add(tf.mul(xhat, g), b);
    if (r !== undefined) pre = tf.add(pre, r);
    const value = relu ? tf.relu(pre) : pre;
    save(relu ? [xhat, invStd, g, value] : [xhat, invStd, g]);
    // customGrad returns one tensor; the statistics leave through this closure, kept past the
    // forward's tidy and re-tracked by the caller below.
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, is, gm, yOut] = saved;
        // Through the relu: dy where its output > 0 (step is NaN where the output is).
        const d = relu ? tf.mul(dy, tf.step(yOut)) : dy;
        const dBeta = tf.sum(d, axes);
        const dGamma = tf.sum(tf.mul(d, xh), axes);
        // dx = gamma * invStd * (dy - dBeta / n - xhat * dGamma / n)
        const dx = tf.mul(
          tf.mul(gm, is),
          tf.sub(tf.sub(d, tf.div(dBeta, n)), tf.mul(xh, tf.div(dGamma, n))),
        );
        return r === undefined ? [dx, dGamma, dBeta] : [dx, dGamma, dBeta, d];
      },
    };
  });

  const y = op(...inputs) as T;
  const [keptMean, keptVar] = stats as unknown as [tf.Tensor1D, tf.Tensor1D];
  // clone() shares the data and is tracked by the caller's scope like any op result.
  const mean = keptMean.clone();
  const variance = keptVar.clone();
  keptMean.dispose();
  keptVar.dispose();
  return { y, mean, variance };
}

/**
 * The forward pass on `@selfsup/native`: two passes over x on the wasm heap (per-channel sums,
 * then the output) instead of ~8 tf ops. Measured on [512, 28, 28, 32] (2 threads): see
 * DEVELOPING.md.
 */
function nativeBatchNorm(
  native: NativeKernelsLike,
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  rows: number,
  channels: number,
  residual: tf.Tensor | undefined,
  relu: boolean,
) {
  const backend = tf.backend() as WasmBackendLike;
  const y = allocTensor(backend, x.shape, 'float32');
  const mean = allocTensor(backend, [channels], 'float32') as tf.Tensor1D;
  const variance = allocTensor(backend, [channels], 'float32') as tf.Tensor1D;
  const invStd = allocTensor(backend, [channels], 'float32') as tf.Tensor1D;
  const view = (t: tf.Tensor) => heapF32(backend, t); // after the allocations
  native.batchNormForward({
    x: view(x),
    gamma: view(gamma),
    beta: view(beta),
    epsilon,
    y: view(y),
    mean: view(mean),
    variance: view(variance),
    invStd: view(invStd),
    rows,
    channels,
    residual: residual === undefined ? undefined : view(residual),
    relu,
  });
  return { y, mean, variance, invStd };
}

/**
 * The backward pass on `@selfsup/native`: [dx, dgamma, dbeta], then the residual's gradient when
 * `withResidual` and the forward had a relu (whose output is `reluOutput`).
 */
function nativeBatchNormGrad(
  native: NativeKernelsLike,
  dy: tf.Tensor,
  x: tf.Tensor,
  mean: tf.Tensor,
  invStd: tf.Tensor,
  gamma: tf.Tensor,
  rows: number,
  channels: number,
  reluOutput: tf.Tensor | undefined,
  withResidual: boolean,
): tf.Tensor[] {
  const backend = tf.backend() as WasmBackendLike;
  const d = dy.dtype === 'float32' ? dy : tf.cast(dy, 'float32');
  const dx = allocTensor(backend, x.shape, 'float32');
  const dgamma = allocTensor(backend, [channels], 'float32');
  const dbeta = allocTensor(backend, [channels], 'float32');
  const dresidual =
    withResidual && reluOutput !== undefined ? allocTensor(backend, x.shape, 'float32') : undefined;
  const view = (t: tf.Tensor) => heapF32(backend, t);
  native.batchNormBackward({
    dy: view(d),
    x: view(x),
    mean: view(mean),
    invStd: view(invStd),
    gamma: view(gamma),
    dx: view(dx),
    dgamma: view(dgamma),
    dbeta: view(dbeta),
    rows,
    channels,
    reluOutput: reluOutput === undefined ? undefined : view(reluOutput),
    dresidual: dresidual === undefined ? undefined : view(dresidual),
  });
  return dresidual === undefined ? [dx, dgamma, dbeta] : [dx, dgamma, dbeta, dresidual];
}

function isFloat32(t: tf.Tensor | tf.GradSaveFunc): boolean {
  return t instanceof tf.Tensor && t.dtype === 'float32';
}
