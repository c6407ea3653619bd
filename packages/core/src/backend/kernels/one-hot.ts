/**
 * OneHot for every dtype. The stock wasm kernel writes its int32 result into the output whatever
 * dtype was asked for, so `tf.oneHot(indices, depth, 1, 0, 'float32')` came out as all zeros (the
 * bits of int32 1 read as a float32 denormal). Non-int32 requests run the stock kernel as a 0/1
 * int32 one-hot, then cast and scale to the on and off values. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { attr, withOriginal, type KernelArgs } from './_util';

function oneHot(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const dtype = attr<tf.DataType | undefined>(args, 'dtype') ?? 'int32';
  if (dtype === 'int32') return original(args) as tf.TensorInfo;
  return tf.tidy(() => {
    const on = attr<number | undefined>(args, 'onValue') ?? 1;
    const off = attr<number | undefined>(args, 'offValue') ?? 0;
    const asInt = original({
      ...args,
      attrs: { ...args.attrs, dtype: 'int32', onValue: 1, offValue: 0 },
    }) as tf.TensorInfo;
    const t = tf.cast(
      tf.engine().makeTensorFromTensorInfo(asInt, args.backend as tf.KernelBackend),
      dtype,
    );
    return on === 1 && off === 0 ? t : tf.add(tf.mul(t, on - off), off);
  });
}

export const makeOneHotKernel = withOriginal('OneHot', oneHot);
