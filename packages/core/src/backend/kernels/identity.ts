/**
 * Identity, and Cast to the input's own dtype, without a copy. The stock wasm kernel copies the whole buffer, and Identity runs
 * hundreds of times a training step (every `tf.clone`, every tensor a custom gradient saves or
 * returns): ~250 ms of a ViT-6 MAE step. Tensors are immutable in tfjs, so the output can share
 * the input's buffer under one more reference, as the cpu backend's Identity and the wasm
 * backend's own Reshape do. A same-dtype Cast is Identity's gradient and runs once per residual
 * add of tfjs-layers (which clones its first input): ~30 ms of a ResNet-18 step. Cast to bool
 * is also fixed here: stock wasm kept the low byte of each value. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { input, sharedOutput, wasmBackend, withOriginal, type KernelArgs } from './_util';

function identity(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const x = input(args, 'x');
  if (x.dtype === 'string') return original(args) as tf.TensorInfo;
  return sharedOutput(args, x);
}

export const makeIdentityKernel = withOriginal('Identity', identity);

function cast(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const x = input(args, 'x');
  const dtype = (args.attrs as { dtype?: string } | undefined)?.dtype;
  if (dtype === 'bool' && x.dtype !== 'bool' && x.dtype !== 'string') return castToBool(args, x);
  if (dtype !== x.dtype || x.dtype === 'string') return original(args) as tf.TensorInfo;
  return sharedOutput(args, x);
}

/** x != 0 (NaN too), as tfjs's cpu backend; stock wasm copies the low byte (-2 -> 254). */
function castToBool(args: KernelArgs, x: tf.TensorInfo): tf.TensorInfo {
  const backend = wasmBackend(args);
  const out = backend.makeOutput(x.shape, 'bool');
  const from = backend.typedArrayFromHeap(x);
  const to = backend.typedArrayFromHeap(out);
  for (let i = 0; i < from.length; i++) to[i] = from[i] !== 0 ? 1 : 0;
  return out;
}

export const makeCastKernel = withOriginal('Cast', cast);
