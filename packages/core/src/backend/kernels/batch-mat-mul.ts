/**
 * BatchMatMul with fast paths. The stock wasm kernel hands XNNPACK only the plain 2-D product
 * (~27 GFLOP/s); transposed operands (every backward pass) and batched (rank > 2) products run in
 * a C++ loop at 0.6-2 GFLOP/s. This kernel rewrites every case into plain 2-D products:
 * - transposes become explicit transposes of whichever operand (or the result) is smallest;
 * - a batch against one matrix (dense layers on `[B, T, D]`) becomes one tall 2-D product;
 * - batch against batch (attention) becomes one 2-D product per item on the heap when the items
 *   are large enough to beat the per-call cost, else the stock kernel.
 *
 * The stock product caches XNNPACK's packed right operand by tensor id alone (not shape; see
 * tfjs-backend-wasm batch_mat_mul_impl.cc), so a right operand handed to it here is always either
 * a fresh tensor or an input in its own `[K, N]` layout, the one any stock call would also use.
 * Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import {
  asTensor,
  attr,
  input,
  sizeOf,
  wasmBackend,
  withOriginal,
  type KernelArgs,
  type WasmBackendLike,
} from './_util';

/**
 * Items with at least this many multiply-adds go through the per-item 2-D loop. Measured: one
 * small XNNPACK product costs ~40 us of setup, so below ~64k MACs the stock batched kernel wins.
 */
export const PER_ITEM_MIN_MACS = 1 << 16;

/** Elements from which a right operand is not worth XNNPACK's per-call packing (see mm2d). */
export const HUGE_RIGHT_OPERAND = 1 << 24;

type Original = tf.KernelFunc;

function callOriginal(
  original: Original,
  backend: tf.KernelBackend,
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
): tf.Tensor {
  const out = original({
    inputs: { a, b },
    backend,
    attrs: { transposeA, transposeB },
  }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(out, backend);
}

function transposeLast2(x: tf.Tensor): tf.Tensor {
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/**
 * A 2-D product `op(x) op(y)` through the plain stock path only, transposing explicitly whichever
 * of the operands or the result is cheapest.
 */
function mm2d(
  original: Original,
  backend: tf.KernelBackend,
  x: tf.Tensor,
  y: tf.Tensor,
  tX: boolean,
  tY: boolean,
): tf.Tensor {
  const plain = (p: tf.Tensor, q: tf.Tensor) => callOriginal(original, backend, p, q, false, false);
  if (!tX && !tY) return plain(x, y);
  if (!tX && tY) return plain(x, tf.transpose(y)); // x [M,K], y [N,K]
  const [k, m] = x.shape as number[]; // x [K,M]
  if (!tY) {
    // y [K,N]: transpose x, or compute (y^T x)^T, whichever moves fewer elements; except that
    // a huge x is better transposed than packed by XNNPACK as the right operand with few rows
    // on the left (measured on a [4096, 8000]^T [4096, 128] product: 0.53 s against 0.7-0.8 s).
    const n = (y.shape as number[])[1];
    if (k * m <= k * n + n * m || (k * m >= HUGE_RIGHT_OPERAND && n <= 256))
      return plain(tf.transpose(x), y);
    return tf.transpose(plain(tf.transpose(y), x));
  }
  // y [N,K]: x^T y^T = (y x)^T needs only the result transposed, or both operands.
  const n = (y.shape as number[])[0];
  if (n * m <= k * m + n * k) return tf.transpose(plain(y, x));
  return plain(tf.transpose(x), tf.transpose(y));
}

/** Batch against batch, same batch size: one plain 2-D product per item, on the heap. */
function perItem(
  original: Original,
  backend: WasmBackendLike,
  a: tf.Tensor,
  b: tf.Tensor,
  n: number,
  m: number,
  k: number,
  nCols: number,
): tf.Tensor {
  const out = tf
    .engine()
    .makeTensorFromTensorInfo(backend.makeOutput([n, m, nCols], 'float32'), backend);
  const aSize = m * k;
  const bSize = k * nCols;
  const cSize = m * nCols;
  for (let i = 0; i < n; i++) {
    const ai = backend.makeOutput([m, k], 'float32');
    const bi = backend.makeOutput([k, nCols], 'float32');
    let ci: tf.TensorInfo | undefined;
    try {
      // Views are taken after the allocations: growing wasm memory detaches older ones.
      (backend.typedArrayFromHeap(ai) as Float32Array).set(
        (backend.typedArrayFromHeap(a) as Float32Array).subarray(i * aSize, (i + 1) * aSize),
      );
      (backend.typedArrayFromHeap(bi) as Float32Array).set(
        (backend.typedArrayFromHeap(b) as Float32Array).subarray(i * bSize, (i + 1) * bSize),
      );
      ci = original({
        inputs: { a: ai, b: bi },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
      (backend.typedArrayFromHeap(out) as Float32Array).set(
        backend.typedArrayFromHeap(ci) as Float32Array,
        i * cSize,
      );
    } finally {
      backend.disposeData(ai.dataId);
      backend.disposeData(bi.dataId);
      if (ci !== undefined) backend.disposeData(ci.dataId);
    }
  }
  return out;
}

function batchMatMul(args: KernelArgs, original: Original): tf.TensorInfo {
  const a = input(args, 'a');
  const b = input(args, 'b');
  const tA = attr<boolean | undefined>(args, 'transposeA') === true;
  const tB = attr<boolean | undefined>(args, 'transposeB') === true;
  const aR = a.shape.length;
  const bR = b.shape.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || aR < 2 || bR < 2) {
    return original(args) as tf.TensorInfo; // raises the stock error message
  }
  const m = tA ? a.shape[aR - 1] : a.shape[aR - 2];
  const k = tA ? a.shape[aR - 2] : a.shape[aR - 1];
  const kB = tB ? b.shape[bR - 1] : b.shape[bR - 2];
  const n = tB ? b.shape[bR - 2] : b.shape[bR - 1];
  if (k !== kB) return original(args) as tf.TensorInfo;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  const na = sizeOf(aBatch);
  const nb = sizeOf(bBatch);
  const outShape = [...outBatch, m, n];
  if (na === 1 && nb === 1 && !tA && !tB) return original(args) as tf.TensorInfo;
  const backend = wasmBackend(args);
  return tf.tidy(() => {
    const at = asTensor(a, backend);
    const bt = asTensor(b, backend);
    if (nb === 1) {
      // Every row of every item of a against one matrix: one tall product.
      const b2 = tf.reshape(bt, tB ? [n, k] : [k, n]);
      let a2: tf.Tensor;
      let tA2 = false;
      if (!tA) a2 = tf.reshape(at, [na * m, k]);
      else if (na === 1) {
        a2 = tf.reshape(at, [k, m]);
        tA2 = true;
      } else a2 = tf.reshape(transposeLast2(tf.reshape(at, [na, k, m])), [na * m, k]);
      return tf.reshape(mm2d(original, backend, a2, b2, tA2, tB), outShape);
    }
    if (na === 1) {
      // C_i = A B_i, so C_i^T = B_i^T A^T: stack the B_i^T as rows, one product, transpose back.
      const bRows = tB
        ? tf.reshape(bt, [nb * n, k])
        : tf.reshape(transposeLast2(tf.reshape(bt, [nb, k, n])), [nb * n, k]);
      const a2 = tf.reshape(at, tA ? [k, m] : [m, k]);
      const ct = mm2d(original, backend, bRows, a2, false, !tA); // [nb * n, m]
      return tf.reshape(transposeLast2(tf.reshape(ct, [nb, n, m])), outShape);
    }
    const nOut = sizeOf(outBatch);
    const full = (t: tf.Tensor, batch: number[], last: number[]) =>
      tf.reshape(
        batch.length === outBatch.length && batch.every((d, i) => d === outBatch[i])
          ? t
          : tf.broadcastTo(t, [...outBatch, ...last]),
        [nOut, ...last],
      );
    let a3 = full(at, aBatch, a.shape.slice(-2));
    let b3 = full(bt, bBatch, b.shape.slice(-2));
    if (m * n * k < PER_ITEM_MIN_MACS) {
      return tf.reshape(callOriginal(original, backend, a3, b3, tA, tB), outShape);
    }
    if (tA) a3 = transposeLast2(a3);
    if (tB) b3 = transposeLast2(b3);
    return tf.reshape(perItem(original, backend, a3, b3, nOut, m, k, n), outShape);
  });
}

export const makeBatchMatMulKernel = withOriginal('BatchMatMul', batchMatMul);
