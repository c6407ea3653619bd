/**
 * Identity without a copy. The stock wasm kernel copies the whole buffer, and Identity runs
 * hundreds of times a training step (every `tf.clone`, every tensor a custom gradient saves or
 * returns): ~250 ms of a ViT-6 MAE step. Tensors are immutable in tfjs, so the output can share
 * the input's buffer under one more reference, as the cpu backend's Identity and the wasm
 * backend's own Reshape do. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { input, type KernelArgs } from './_util';

function identity(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const x = input(args, 'x');
  if (x.dtype === 'string') return original(args) as tf.TensorInfo;
  (args.backend as tf.KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export function makeIdentityKernel(original: tf.KernelFunc | undefined): tf.KernelFunc {
  if (original === undefined) throw new Error('Identity: the stock wasm kernel is not registered');
  return ((args: KernelArgs) => identity(args, original)) as unknown as tf.KernelFunc;
}
