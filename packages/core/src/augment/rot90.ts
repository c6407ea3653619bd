import * as tf from '@tensorflow/tfjs';
import { imageShape, perSampleArray, selectSamples } from './_internal';

/** Mirrors the width axis: flipLeftRight (fast on wasm) for float32, tf.reverse otherwise. */
function mirror(x: tf.Tensor4D): tf.Tensor4D {
  return x.dtype === 'float32' ? tf.image.flipLeftRight(x) : (tf.reverse(x, 2) as tf.Tensor4D);
}

const swapHW = (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 2, 1, 3]);

/**
 * Rotates each image counter-clockwise by `k * 90` degrees, with its own k (as `torch.rot90`
 * on the (height, width) axes). Odd k swap height and width, so a batch mixing odd and even k
 * needs square images. Each rotation used is computed for the whole batch and selected per
 * sample (cheaper on wasm than gathering subsets).
 *
 * @param images - `[batch, height, width, channels]`.
 * @param ks - quarter turns per sample (any integer; taken modulo 4), or one for all.
 *
 * @example
 * ```ts
 * const rotated = rot90(images, [0, 1, 2, 3]); // batch of 4
 * ```
 */
export function rot90(images: tf.Tensor4D, ks: number | ArrayLike<number>): tf.Tensor4D {
  const [batch, height, width] = imageShape(images, 'rot90');
  const k = perSampleArray(ks, batch, 'rot90', 'k', Number.isInteger, 'an integer').map(
    (v) => ((v % 4) + 4) % 4,
  );
  const odd = k.some((v) => v % 2 === 1);
  if (height !== width && odd && k.some((v) => v % 2 === 0)) {
    throw new Error(
      `rot90: mixing odd and even quarter turns needs square images, got ${height} x ${width}`,
    );
  }
  return tf.tidy(() => {
    // CCW: out[i][j] = in[j][W-1-i] = transpose(mirror(x)); CW: mirror(transpose(x));
    // half turn: CW twice.
    const rotations: (() => tf.Tensor4D)[] = [
      () => images,
      () => swapHW(mirror(images)),
      () => mirror(swapHW(mirror(swapHW(images)))),
      () => mirror(swapHW(images)),
    ];
    const used = [0, 1, 2, 3].filter((r) => k.includes(r));
    let out = rotations[used[0]]();
    for (const r of used.slice(1)) {
      out = selectSamples(
        k.map((v) => v === r),
        rotations[r](),
        out,
      );
    }
    return out === images ? images.clone() : out;
  });
}
