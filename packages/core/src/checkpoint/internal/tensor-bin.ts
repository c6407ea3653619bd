import * as tf from '@tensorflow/tfjs';

/** Where one tensor lives in a `.bin` file: raw little-endian values from `offset`. */
export interface TensorSpec {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  offset: number;
  bytes: number;
}

const BYTES = { float32: 4, int32: 4, bool: 1 } as const;

/** Concatenates the values of `tensors` (read asynchronously: works on every backend). */
export async function encodeTensors(
  tensors: readonly tf.Tensor[],
  what: (i: number) => string,
): Promise<{ specs: TensorSpec[]; data: Uint8Array }> {
  const specs: TensorSpec[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (t.isDisposed) throw new Error(`checkpoint: ${what(i)} is a disposed tensor`);
    if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
      throw new Error(
        `checkpoint: ${what(i)} has dtype ${t.dtype}; only float32, int32 and bool tensors can be saved`,
      );
    }
    const values = await t.data();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    specs.push({ dtype: t.dtype, shape: [...t.shape], offset, bytes: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { specs, data };
}

/** Rebuilds tensors from specs and the bytes of their `.bin` file, checking every bound. */
export function decodeTensors(
  specs: readonly TensorSpec[],
  data: Uint8Array,
  file: string,
): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  try {
    for (const spec of specs) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const per = BYTES[spec.dtype];
      if (per === undefined) throw new Error(`${file}: unknown dtype ${String(spec.dtype)}`);
      if (spec.bytes !== size * per || spec.offset < 0 || spec.offset + spec.bytes > data.length) {
        throw new Error(
          `${file}: tensor of shape [${spec.shape.join(', ')}] at offset ${spec.offset} does not fit the file (${data.length} bytes)`,
        );
      }
      const slice = data.slice(spec.offset, spec.offset + spec.bytes);
      const values =
        spec.dtype === 'float32'
          ? new Float32Array(slice.buffer)
          : spec.dtype === 'int32'
            ? new Int32Array(slice.buffer)
            : new Uint8Array(slice.buffer);
      out.push(tf.tensor(values, spec.shape, spec.dtype));
    }
  } catch (e) {
    tf.dispose(out);
    throw e;
  }
  return out;
}
