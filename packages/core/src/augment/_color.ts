// Colour kernels shared by the public colour functions; not part of the public API.
// Written for the wasm backend: channels are read with small matMuls and results built with
// same-shape or [batch, 1, 1, 1]-broadcast ops, because slicing the channel axis, concatenating
// on it, tf.gather and Tile are an order of magnitude slower there.
import * as tf from '@tensorflow/tfjs';

/** ITU-R 601-2 luma weights (as PIL's `convert('L')`; torchvision uses 0.2989 for R). */
export const LUMA = [0.299, 0.587, 0.114];

/** [N, 3] pixels -> [N, 1] luma. */
export function luma(pixels: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(pixels, tf.tensor2d(LUMA, [3, 1]));
}

/** [N, 3] pixels -> [N, 3] luma in every channel (each column of the weight is the luma row). */
export function luma3(pixels: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(
    pixels,
    tf.tensor2d(
      LUMA.flatMap((w) => [w, w, w]),
      [3, 3],
    ),
  );
}

/** [N, 3] -> three [N, 1] planes; exact, as each is 1 * x + 0 * y + 0 * z. */
export function planes(pixels: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const pick = (i: number): tf.Tensor2D =>
    tf.matMul(
      pixels,
      tf.tensor2d(
        [0, 1, 2].map((j) => (j === i ? 1 : 0)),
        [3, 1],
      ),
    );
  return [pick(0), pick(1), pick(2)];
}

/**
 * One blend per sample, `clip(a x + g gray(x) + m mean(gray(x)), 0, 1)`, with per-sample
 * coefficients: brightness is (f, 0, 0), contrast (f, 0, 1 - f), saturation (f, 1 - f, 0) and
 * the identity (1, 0, 0), which returns x exactly (zero terms add exact zeros). The gray image
 * (3 equal channels) and the mean gray are 2-D matMuls, computed only when some sample needs
 * them. One-channel images are their own gray.
 */
export function blend(
  images: tf.Tensor4D,
  a: readonly number[],
  g: readonly number[],
  m: readonly number[],
): tf.Tensor4D {
  const [batch, height, width, c] = images.shape;
  const pixels = height * width;
  const coef = (v: readonly number[]): tf.Tensor =>
    tf.tensor(Float32Array.from(v), [batch, 1, 1, 1]);
  let out: tf.Tensor = tf.mul(images, coef(a));
  if (g.some((v) => v !== 0)) {
    const gray =
      c === 3
        ? tf.reshape(luma3(tf.reshape(images, [batch * pixels, 3]) as tf.Tensor2D), images.shape)
        : images;
    out = tf.add(out, tf.mul(gray, coef(g)));
  }
  if (m.some((v) => v !== 0)) {
    // mean(gray) per sample as one [batch, pixels * c] x [pixels * c, 1] matMul.
    const weights = new Float32Array(pixels * c);
    for (let i = 0; i < pixels * c; i++) weights[i] = (c === 3 ? LUMA[i % 3] : 1) / pixels;
    const mean = tf.matMul(
      tf.reshape(images, [batch, pixels * c]),
      tf.tensor2d(weights, [pixels * c, 1]),
    );
    out = tf.add(out, tf.mul(tf.reshape(mean, [batch, 1, 1, 1]), coef(m)));
  }
  return tf.clipByValue(out, 0, 1) as tf.Tensor4D;
}

/** [N, 1] planes -> [N, planes.length], via the leading axis and a transpose (fast on wasm). */
export function stackPlanes(list: tf.Tensor[]): tf.Tensor2D {
  const n = list[0].shape[0];
  return tf.transpose(
    tf.concat(
      list.map((p) => tf.reshape(p, [1, n])),
      0,
    ),
  ) as tf.Tensor2D;
}

/** Elementwise max and min of two planes by selection (exact; tf.maximum is slow on wasm). */
function maxMin(x: tf.Tensor, y: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const xGeY = tf.greaterEqual(x, y);
  return [tf.where(xGeY, x, y), tf.where(xGeY, y, x)];
}

/** torchvision's `_rgb2hsv` on [N, 3] pixels, returning [N, 1] planes h, s, v. */
export function hsvPlanes(pixels: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const [r, g, b] = planes(pixels);
  const [maxRG, minRG] = maxMin(r, g);
  const maxc = maxMin(maxRG, b)[0];
  const minc = maxMin(minRG, b)[1];
  const eqc = tf.equal(maxc, minc);
  const cr = tf.sub(maxc, minc);
  const ones = tf.onesLike(maxc);
  // Where max == min both divisors become 1: no NaN, s = 0, and h = 0 (see below).
  const s = tf.div(cr, tf.where(eqc, ones, maxc));
  const crDivisor = tf.where(eqc, ones, cr);
  const rc = tf.div(tf.sub(maxc, r), crDivisor);
  const gc = tf.div(tf.sub(maxc, g), crDivisor);
  const bc = tf.div(tf.sub(maxc, b), crDivisor);
  const maxIsR = tf.equal(maxc, r);
  const maxIsG = tf.logicalAnd(tf.equal(maxc, g), tf.logicalNot(maxIsR));
  // Hue sector by sector, the first matching of r, g, b winning ties (as torchvision).
  const h = tf.where(
    maxIsR,
    tf.sub(bc, gc),
    tf.where(maxIsG, tf.sub(tf.add(rc, 2), bc), tf.sub(tf.add(gc, 4), rc)),
  );
  // fmod(h / 6 + 1, 1) with h / 6 + 1 in [5/6, 2): subtract the floor (no Mod kernel needed).
  const h6 = tf.add(tf.div(h, 6), 1);
  // Where max == min, r wins and h = bc - gc = 0, so the hue is 0 there.
  return [tf.sub(h6, tf.floor(h6)) as tf.Tensor2D, s as tf.Tensor2D, maxc as tf.Tensor2D];
}

/**
 * HSV planes ([N, 1] each; hue read modulo 1) to [N, 3] RGB with the closed form
 * `c_n = v - v s clip(min(k_n, 4 - k_n), 0, 1)`, `k_n = (n + 6 h) mod 6`, n = 5, 3, 1: for valid
 * HSV the same values as torchvision's sector-based `_hsv2rgb`, without its Einsum. Each channel
 * is computed as a plane and the three are stacked along a new leading axis and transposed
 * (concatenating along the channel axis is slow on wasm).
 */
export function rgbFromHsvPlanes(h: tf.Tensor2D, s: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
  const h6 = tf.mul(h, 6);
  const vs = tf.mul(v, s);
  const channels = [5, 3, 1].map((offset) => {
    const k0 = tf.add(h6, offset);
    const k = tf.sub(k0, tf.mul(tf.floor(tf.div(k0, 6)), 6));
    // min(k, 4 - k) = 2 - |k - 2|: elementwise Minimum is ~10x slower than Sub and Abs on wasm.
    const f = tf.clipByValue(tf.sub(2, tf.abs(tf.sub(k, 2))), 0, 1);
    return tf.sub(v, tf.mul(vs, f));
  });
  return stackPlanes(channels);
}
