// Internal: validation of the views a method receives.
import type * as tf from '@tensorflow/tfjs';
import type { ViewsBatch } from '../views-batch';

const shapeOf = (t: tf.Tensor): string => `[${t.shape.join(', ')}]`;

/** Checks one view: a float Tensor4D. */
function checkView(view: unknown, i: number, method: string): tf.Tensor4D {
  const t = view as tf.Tensor;
  if (t == null || typeof t !== 'object' || !('shape' in t) || !Array.isArray(t.shape)) {
    throw new Error(
      `${method}.loss: views[${i}] must be a tf.Tensor4D [batch, height, width, channels], got ${typeof view}`,
    );
  }
  if (t.rank !== 4) {
    throw new Error(
      `${method}.loss: views[${i}] must be [batch, height, width, channels], got shape ${shapeOf(t)}`,
    );
  }
  if (t.dtype !== 'float32') {
    throw new Error(
      `${method}.loss: views[${i}] must be float32 images in [0, 1], got dtype ${t.dtype}`,
    );
  }
  return t as tf.Tensor4D;
}

/** The two views of a two-view method, checked (same shape, batch >= 2). */
export function twoViewsOf(batch: ViewsBatch, method: string): [tf.Tensor4D, tf.Tensor4D] {
  const views = batch?.views;
  if (!Array.isArray(views) || views.length !== 2) {
    throw new Error(
      `${method}.loss: expected a batch { views: [view1, view2] } (e.g. from dataset.twoViews(...)), got ` +
        (Array.isArray(views) ? `${views.length} views` : 'no views array'),
    );
  }
  const a = checkView(views[0], 0, method);
  const b = checkView(views[1], 1, method);
  if (!a.shape.every((d, i) => d === b.shape[i])) {
    throw new Error(
      `${method}.loss: the two views must have the same shape, got ${shapeOf(a)} and ${shapeOf(b)}`,
    );
  }
  if (a.shape[0] < 2)
    throw new Error(`${method}.loss: needs a batch of at least 2 images, got ${a.shape[0]}`);
  return [a, b];
}

/** All views of a multi-crop method, checked (same batch size, globals of one shape). */
export function multiViewsOf(
  batch: ViewsBatch,
  globalCount: number,
  method: string,
): tf.Tensor4D[] {
  const views = batch?.views;
  if (!Array.isArray(views) || views.length < globalCount) {
    throw new Error(
      `${method}.loss: expected a batch { views: [${globalCount} global crops, then local crops] } (e.g. from dinoMultiCrop), got ` +
        (Array.isArray(views) ? `${views.length} views` : 'no views array'),
    );
  }
  const checked = views.map((v, i) => checkView(v, i, method));
  const n = checked[0].shape[0];
  checked.forEach((v, i) => {
    if (v.shape[0] !== n) {
      throw new Error(
        `${method}.loss: every view must hold the same ${n} images, views[${i}] has ${v.shape[0]}`,
      );
    }
    if (i < globalCount && !v.shape.every((d, j) => d === checked[0].shape[j])) {
      throw new Error(
        `${method}.loss: the global crops must share one shape, got ${shapeOf(checked[0])} and ${shapeOf(v)}`,
      );
    }
  });
  if (n < 2) throw new Error(`${method}.loss: needs a batch of at least 2 images, got ${n}`);
  return checked;
}
