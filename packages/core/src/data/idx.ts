import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * The content of an IDX file (the format of MNIST and Fashion-MNIST): a typed array in row-major
 * order and its shape.
 *
 * @example
 * ```ts
 * const { shape, data } = await readIdx('t10k-labels-idx1-ubyte'); // shape [10000], Uint8Array
 * ```
 */
export interface IdxArray {
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { dtype: IdxArray['dtype']; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

/**
 * Parses IDX bytes (already decompressed). Validates the magic number (two zero bytes, a known
 * type code, 1 to 8 dimensions) and that the size matches the header exactly; errors name `name`.
 *
 * @example
 * ```ts
 * const labels = parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]), 'tiny'); // data [7, 3]
 * ```
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (bytes.length < 4)
    throw new Error(
      `${name}: not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic number`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = TYPES[bytes[2]];
  const ndim = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined || ndim < 1 || ndim > 8) {
    throw new Error(
      `${name}: not an IDX file: magic number 0x${magic.toString(16).padStart(8, '0')}, expected 0x0000TTDD ` +
        '(TT a type code among 08, 09, 0B, 0C, 0D, 0E; DD the number of dimensions, 1 to 8)',
    );
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new Error(
      `${name}: truncated IDX header: ${bytes.length} bytes, the header of ${ndim} dimensions needs ${headerBytes}`,
    );
  }
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    throw new Error(
      `${name}: IDX size mismatch: the header announces ${type.dtype} data of shape [${shape.join(', ')}] ` +
        `(${expected} bytes in all), the file has ${bytes.length} bytes${bytes.length < expected ? ' (truncated?)' : ''}`,
    );
  }
  const body = bytes.subarray(headerBytes);
  switch (type.dtype) {
    case 'uint8':
      return { dtype: 'uint8', shape, data: new Uint8Array(body) };
    case 'int8':
      return {
        dtype: 'int8',
        shape,
        data: new Int8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)),
      };
    default: {
      // Multi-byte IDX values are big-endian; read them one by one into native order.
      const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      if (type.dtype === 'int16') {
        const out = new Int16Array(count);
        for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, false);
        return { dtype: 'int16', shape, data: out };
      }
      if (type.dtype === 'int32') {
        const out = new Int32Array(count);
        for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, false);
        return { dtype: 'int32', shape, data: out };
      }
      if (type.dtype === 'float32') {
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, false);
        return { dtype: 'float32', shape, data: out };
      }
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, false);
      return { dtype: 'float64', shape, data: out };
    }
  }
}

/**
 * Reads an IDX file, plain or gzipped (detected from its first bytes, whatever its name).
 * Errors name the file.
 *
 * @example
 * ```ts
 * const images = await readIdx('/data/train-images-idx3-ubyte.gz'); // shape [60000, 28, 28]
 * ```
 */
export async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new Error(`readIdx: cannot read ${file}: ${(e as Error).message}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(
        `readIdx: ${file} starts like gzip but does not decompress: ${(e as Error).message}`,
      );
    }
  }
  return parseIdx(bytes, file);
}
