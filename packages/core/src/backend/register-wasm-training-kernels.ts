import * as tf from '@tensorflow/tfjs';
import { loadWasmModule } from './_node';
import { makeBatchMatMulKernel } from './kernels/batch-mat-mul';
import { conv2DBackpropFilterKernel, conv2DBackpropInputKernel } from './kernels/conv2d';
import {
  conv3DBackpropFilterV2Kernel,
  conv3DBackpropInputV2Kernel,
  conv3DKernel,
} from './kernels/conv3d';
import {
  makeGatherKernel,
  makeSliceKernel,
  makeSplitVKernel,
  makeTileKernel,
  makeUnpackKernel,
} from './kernels/copy';
import { makeMaxPoolGradKernel } from './kernels/max-pool-grad';
import { makeMaxKernel, makeMeanKernel, makeSumKernel } from './kernels/reduce';
import { makeCastKernel, makeIdentityKernel } from './kernels/identity';
import { makeOneHotKernel } from './kernels/one-hot';
import { makeTransposeKernel } from './kernels/transpose';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './kernels/depthwise';
import { unsortedSegmentSumKernel } from './kernels/unsorted-segment-sum';
import {
  geluGradViaOps,
  geluViaOps,
  layerNormGradViaOps,
  layerNormViaOps,
  nativeGelu,
  nativeGeluGrad,
  nativeLayerNorm,
  nativeLayerNormGrad,
} from './kernels/layer-norm-gelu';
import { GELU_GRAD_KERNEL, GELU_KERNEL } from '../ops/gelu';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../ops/layer-norm';
import {
  fusedMatMulViaOps,
  nativeConv2D,
  nativeFusedConv2D,
  nativeFusedMatMul,
  nativeBatchMatMulKernel,
  nativeBinary,
  nativeConv2DBackpropFilter,
  nativeConv2DBackpropInput,
  nativeUnary,
  NATIVE_BINARY_MIN_SIZE,
  reluGradViaOps,
} from './kernels/native';
import { activeNativeKernels, type NativeKernelsLike } from './native-kernels';
import { RELU_GRAD_KERNEL } from '../ops/relu-gradient';

/** A kernel selfsup registers on wasm; `original` is the stock kernel it replaces, if any. */
interface TrainingKernel {
  kernelName: string;
  make: (original: tf.KernelFunc | undefined) => tf.KernelFunc;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** What a kernel returns: one output, or several (the fused LayerNorm and its gradient). */
type KernelOutput = tf.TensorInfo | tf.TensorInfo[];

/** One of selfsup's own single-output kernels, as a `withoutNative` fallback. */
function selfsupKernel(kernel: tf.KernelFunc): (args: KernelArgs) => tf.TensorInfo {
  return (args) => kernel(args) as tf.TensorInfo;
}

/**
 * A kernel that runs on `@selfsup/native` when it is active; cases it leaves (returning
 * undefined), and every case without it, go to `withoutNative` if given, then to the stock
 * kernel.
 */
function nativeFirst(
  viaNative: (native: NativeKernelsLike, args: KernelArgs) => KernelOutput | undefined,
  withoutNative?: (args: KernelArgs) => KernelOutput | undefined,
): (original: tf.KernelFunc | undefined) => tf.KernelFunc {
  return (original) => (args) => {
    const native = activeNativeKernels();
    const out = (native && viaNative(native, args)) || withoutNative?.(args);
    if (out) return out;
    if (original === undefined)
      throw new Error('selfsup wasm kernel: no stock kernel to fall back to');
    return original(args);
  };
}

const KERNELS: TrainingKernel[] = [
  // Computed by @selfsup/native when it is installed (see native-kernels.ts), as are the conv
  // gradients and products below.
  { kernelName: 'Conv2D', make: nativeFirst(nativeConv2D) },
  { kernelName: 'FusedConv2D', make: nativeFirst(nativeFusedConv2D) },
  { kernelName: 'Exp', make: nativeFirst(nativeUnary('exp')) },
  { kernelName: 'Add', make: nativeFirst(nativeBinary('add')) },
  { kernelName: 'Sub', make: nativeFirst(nativeBinary('sub')) },
  { kernelName: 'Multiply', make: nativeFirst(nativeBinary('mul')) },
  { kernelName: 'Erf', make: nativeFirst(nativeUnary('erf')) },
  // Stock Relu is vectorized but single-threaded: native only where the split pays.
  { kernelName: 'Relu', make: nativeFirst(nativeUnary('relu', NATIVE_BINARY_MIN_SIZE)) },
  // selfsup's own: the gradient of Relu in one pass (see registerReluGradient).
  { kernelName: RELU_GRAD_KERNEL, make: nativeFirst(nativeBinary('reluGrad'), reluGradViaOps) },
  // Also wrong results on stock wasm with a transposed operand (see fusedMatMulViaOps).
  { kernelName: '_FusedMatMul', make: nativeFirst(nativeFusedMatMul, fusedMatMulViaOps) },
  // Missing on stock wasm.
  {
    kernelName: 'Conv2DBackpropFilter',
    make: nativeFirst(nativeConv2DBackpropFilter, selfsupKernel(conv2DBackpropFilterKernel)),
  },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', make: () => depthwiseBackpropFilterKernel },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', make: () => depthwiseBackpropInputKernel },
  { kernelName: 'UnsortedSegmentSum', make: () => unsortedSegmentSumKernel },
  // Present but slow on stock wasm.
  {
    kernelName: 'Conv2DBackpropInput',
    make: nativeFirst(nativeConv2DBackpropInput, selfsupKernel(conv2DBackpropInputKernel)),
  },
  { kernelName: 'Conv3D', make: () => conv3DKernel },
  { kernelName: 'Conv3DBackpropFilterV2', make: () => conv3DBackpropFilterV2Kernel },
  { kernelName: 'Conv3DBackpropInputV2', make: () => conv3DBackpropInputV2Kernel },
  {
    kernelName: 'BatchMatMul',
    make: (original) =>
      nativeFirst(
        nativeBatchMatMulKernel,
        selfsupKernel(makeBatchMatMulKernel(original)),
      )(original),
  },
  { kernelName: 'Tile', make: makeTileKernel },
  { kernelName: 'Slice', make: makeSliceKernel },
  { kernelName: 'GatherV2', make: makeGatherKernel },
  { kernelName: 'SplitV', make: makeSplitVKernel },
  { kernelName: 'Unpack', make: makeUnpackKernel },
  { kernelName: 'MaxPoolGrad', make: makeMaxPoolGradKernel },
  { kernelName: 'Sum', make: makeSumKernel },
  { kernelName: 'Mean', make: makeMeanKernel },
  { kernelName: 'Max', make: makeMaxKernel },
  { kernelName: 'Transpose', make: makeTransposeKernel },
  { kernelName: 'Identity', make: makeIdentityKernel },
  { kernelName: 'Cast', make: makeCastKernel },
  // Wrong results on stock wasm.
  { kernelName: 'OneHot', make: makeOneHotKernel },
  // selfsup's own: fused LayerNorm and exact GELU, each way one pass (see ops/layer-norm.ts and
  // ops/gelu.ts, which call them only when native is active; the tf-op versions serve calls
  // made while it is off).
  { kernelName: LAYER_NORM_KERNEL, make: nativeFirst(nativeLayerNorm, layerNormViaOps) },
  {
    kernelName: LAYER_NORM_GRAD_KERNEL,
    make: nativeFirst(nativeLayerNormGrad, layerNormGradViaOps),
  },
  { kernelName: GELU_KERNEL, make: nativeFirst(nativeGelu, geluViaOps) },
  { kernelName: GELU_GRAD_KERNEL, make: nativeFirst(nativeGeluGrad, geluGradViaOps) },
];

let registered: string[] | undefined;

/**
 * Registers on the `wasm` backend the kernels that training needs and stock tfjs-backend-wasm
 * lacks or runs slowly (see the list returned). Idempotent: later calls return the same list
 * without touching the registry. Loads `@tensorflow/tfjs-backend-wasm` if it is not loaded yet,
 * and works before or after `tf.setBackend('wasm')`. {@link initBackend} calls it whenever it
 * selects wasm.
 *
 * Each replaced stock kernel keeps its `setupFunc`, and the plain fast cases still call it.
 *
 * @returns The names of the kernels registered by selfsup.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { registerWasmTrainingKernels } from '@selfsup/core';
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * // conv2d, conv1d, conv3d, depthwise and embedding gradients now run on wasm
 * ```
 */
export function registerWasmTrainingKernels(): string[] {
  if (registered !== undefined) return registered.slice();
  loadWasmModule();
  const names: string[] = [];
  for (const k of KERNELS) {
    const original = tf.getKernel(k.kernelName, 'wasm');
    if (original !== undefined) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName: 'wasm',
      kernelFunc: k.make(original?.kernelFunc),
      // The stock kernel's setup (cwrap of its C++ entry point) must still run when wasm
      // initializes, since the fast cases delegate to it.
      setupFunc: original?.setupFunc,
      disposeFunc: original?.disposeFunc,
    });
    names.push(k.kernelName);
  }
  registered = names;
  return names.slice();
}
