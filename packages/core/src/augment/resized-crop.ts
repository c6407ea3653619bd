import * as tf from '@tensorflow/tfjs';
import { imageShape } from './_internal';
import type { CropBox } from './sample-resized-crop-boxes';

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The next float32 above a positive float32. */
function nextFloat32Up(x: number): number {
  f32[0] = x;
  i32[0] += 1;
  return f32[0];
}

/**
 * Works around a tfjs-backend-wasm 4.22 bug: when a box's width in pixels equals the crop width
 * (`cropWidth == 1 + (x2 - x1) * (W - 1)` in float32) and no interpolation seems needed, its
 * CropAndResize copies rows from column 0, ignoring x1. Nudging x2 up by a few float32 ulps
 * (a shift of ~1e-7 of a pixel) keeps the values and avoids that path.
 */
function avoidRowCopyPath(x1: number, x2: number, paddedWidth: number, cropWidth: number): number {
  const fx1 = Math.fround(x1);
  let fx2 = Math.fround(x2);
  const hitsCopy = (v: number): boolean =>
    Math.fround(1 + Math.fround(Math.fround(v - fx1) * (paddedWidth - 1))) === cropWidth;
  while (hitsCopy(fx2)) fx2 = nextFloat32Up(fx2);
  return fx2;
}

/**
 * Crops one box per sample and resizes it bilinearly to `size`, the whole batch in one
 * `tf.image.cropAndResize` call (fast on wasm). Output pixel (y, x) of a box samples the image at
 * torchvision's half-pixel position `top + (y + 0.5) * height / size[0] - 0.5` (likewise for
 * columns), so a box covering the image gives exactly
 * `tf.image.resizeBilinear(images, size, false, true)`, and a shrinking crop gives torchvision's
 * `resized_crop(..., antialias=False)`.
 *
 * One difference from torchvision, when enlarging: positions up to half a pixel outside the box
 * (outermost output rows and columns) interpolate with the image's pixels next to the box, where
 * torchvision clamps to the box's edge (it crops first). At the image border the edge pixel is
 * replicated as in torchvision (the image is padded by one replicated pixel, since cropAndResize
 * would otherwise extrapolate zeros).
 *
 * @param images - `[batch, height, width, channels]`.
 * @param boxes - one pixel box per sample, inside the image.
 * @param size - output `[height, width]`.
 *
 * @example
 * ```ts
 * const out = resizedCrop(images, [{ top: 4, left: 2, height: 20, width: 24 }], [32, 32]);
 * ```
 */
export function resizedCrop(
  images: tf.Tensor4D,
  boxes: readonly CropBox[],
  size: readonly [number, number],
): tf.Tensor4D {
  const [batch, height, width] = imageShape(images, 'resizedCrop');
  const [outH, outW] = size;
  if (!(Number.isInteger(outH) && outH > 0 && Number.isInteger(outW) && outW > 0)) {
    throw new Error(`resizedCrop: size must be two positive integers, got [${size.join(', ')}]`);
  }
  if (boxes.length !== batch) {
    throw new Error(`resizedCrop: expected ${batch} boxes (one per sample), got ${boxes.length}`);
  }
  const data = new Float32Array(batch * 4);
  boxes.forEach((b, i) => {
    if (!(
      b.top >= 0 &&
      b.left >= 0 &&
      b.height > 0 &&
      b.width > 0 &&
      b.top + b.height <= height &&
      b.left + b.width <= width
    )) {
      throw new Error(
        `resizedCrop: box ${i} ${JSON.stringify(b)} is not inside the ${height} x ${width} image`,
      );
    }
    // First and last half-pixel sample positions, shifted by the 1-pixel pad and normalized by
    // the padded image's size - 1 (cropAndResize maps 0 and 1 to the first and last pixels).
    const sy = b.height / outH;
    const sx = b.width / outW;
    data[i * 4] = (b.top + 0.5 * sy + 0.5) / (height + 1);
    data[i * 4 + 1] = (b.left + 0.5 * sx + 0.5) / (width + 1);
    data[i * 4 + 2] = (b.top + b.height - 0.5 * sy + 0.5) / (height + 1);
    data[i * 4 + 3] = avoidRowCopyPath(
      data[i * 4 + 1],
      (b.left + b.width - 0.5 * sx + 0.5) / (width + 1),
      width + 2,
      outW,
    );
  });
  return tf.tidy(() => {
    // 'symmetric' padding by 1 replicates the edge row and column.
    const padded = tf.mirrorPad(
      images,
      [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      'symmetric',
    );
    const boxIndices = tf.range(0, batch, 1, 'int32') as tf.Tensor1D;
    return tf.image.cropAndResize(
      padded,
      tf.tensor2d(data, [batch, 4]),
      boxIndices,
      [outH, outW],
      'bilinear',
    );
  });
}
