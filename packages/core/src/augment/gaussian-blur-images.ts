import * as tf from '@tensorflow/tfjs';
import { imageShape, perSampleArray } from './_internal';

/** Normalized 1-D Gaussian of odd `size` (torchvision's `_get_gaussian_kernel1d`). */
function gaussianKernel1d(size: number, sigma: number): Float64Array {
  const half = (size - 1) / 2;
  const k = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = (i - half) / sigma;
    k[i] = Math.exp(-0.5 * x * x);
    sum += k[i];
  }
  for (let i = 0; i < size; i++) k[i] /= sum;
  return k;
}

/** Smallest tap count >= k with a fast XNNPACK depthwise kernel (3, 9, 25), else k. */
function fastTaps(k: number): number {
  return k <= 1 ? k : k <= 3 ? 3 : k <= 9 ? 9 : k <= 25 ? 25 : k;
}

/**
 * Gaussian blur with one sigma per sample, as torchvision's `gaussian_blur`: a separable
 * normalized Gaussian kernel (isotropic sigma), reflect padding, output the input's size.
 * Batched as two depthwise convolutions (rows, then columns) with the batch folded into the
 * channels, so that each (sample, channel) plane gets its own kernel in one call per axis.
 *
 * @param images - `[batch, height, width, channels]`.
 * @param sigmas - positive standard deviation per sample, in pixels (or one for all).
 * @param kernelSize - odd kernel size, or `[height, width]` sizes; each must be smaller than
 *   twice the image side (reflect padding needs `(k - 1) / 2 < side`).
 *
 * @example
 * ```ts
 * const blurred = gaussianBlurImages(images, [0.5, 1.5], 5); // batch of 2
 * ```
 */
export function gaussianBlurImages(
  images: tf.Tensor4D,
  sigmas: number | ArrayLike<number>,
  kernelSize: number | readonly [number, number],
): tf.Tensor4D {
  const fn = 'gaussianBlurImages';
  const [batch, height, width, c] = imageShape(images, fn);
  const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
  for (const [k, side] of [
    [kh, height],
    [kw, width],
  ]) {
    if (!(Number.isInteger(k) && k > 0 && k % 2 === 1)) {
      throw new Error(
        `${fn}: kernel sizes must be odd positive integers, got ${JSON.stringify(kernelSize)}`,
      );
    }
    if ((k - 1) / 2 >= side) {
      throw new Error(
        `${fn}: kernel ${k} needs an image side > ${(k - 1) / 2} for reflect padding, got ${height} x ${width}`,
      );
    }
  }
  const s = perSampleArray(sigmas, batch, fn, 'sigma');
  const bad = s.find((v) => !(v > 0 && Number.isFinite(v)));
  if (bad !== undefined) throw new Error(`${fn}: every sigma must be positive, got ${bad}`);
  const planes = batch * c;
  const rowKernels = s.map((sigma) => gaussianKernel1d(kw, sigma));
  const colKernels = s.map((sigma) => gaussianKernel1d(kh, sigma));
  // Depthwise filter [taps, planes] (the 1-D part of [1, taps, planes, 1] or [taps, 1, planes, 1]):
  // plane b * c + ch uses sample b's kernel, centred in `taps` >= its size.
  const filter = (kernels: Float64Array[], taps: number, size: number): Float32Array => {
    const out = new Float32Array(taps * planes);
    const offset = (taps - size) / 2;
    kernels.forEach((k, b) => {
      for (let ch = 0; ch < c; ch++) {
        for (let j = 0; j < size; j++) out[(j + offset) * planes + b * c + ch] = k[j];
      }
    });
    return out;
  };
  return tf.tidy(() => {
    // XNNPACK's depthwise kernels are fast for 3, 9 and 25 taps and ~10x slower otherwise, so
    // each 1-D kernel is zero-extended to the next of those sizes (zero taps add exact zeros).
    // The image is reflect-padded by the kernel's reach and, for the extension, by zeros (or
    // reflected values, which meet only zero taps, when the side allows: one op fewer).
    const th = fastTaps(kh);
    const tw = fastTaps(kw);
    // [B, H, W, C] -> [1, H, W, B*C]: one plane per (sample, channel), each with its kernel.
    const planar = tf.reshape(tf.transpose(images, [1, 2, 0, 3]), [
      1,
      height,
      width,
      planes,
    ]) as tf.Tensor4D;
    const reach = (k: number, t: number, side: number): [number, number] =>
      (t - 1) / 2 < side ? [(t - 1) / 2, 0] : [(k - 1) / 2, (t - k) / 2];
    const [rh, zh] = reach(kh, th, height);
    const [rw, zw] = reach(kw, tw, width);
    let padded = tf.mirrorPad(
      planar,
      [
        [0, 0],
        [rh, rh],
        [rw, rw],
        [0, 0],
      ],
      'reflect',
    );
    if (zh > 0 || zw > 0)
      padded = tf.pad(padded, [
        [0, 0],
        [zh, zh],
        [zw, zw],
        [0, 0],
      ]);
    let out = tf.depthwiseConv2d(
      padded,
      tf.tensor4d(filter(rowKernels, tw, kw), [1, tw, planes, 1]),
      1,
      'valid',
    );
    out = tf.depthwiseConv2d(
      out,
      tf.tensor4d(filter(colKernels, th, kh), [th, 1, planes, 1]),
      1,
      'valid',
    );
    return tf.transpose(tf.reshape(out, [height, width, batch, c]), [2, 0, 1, 3]) as tf.Tensor4D;
  });
}
