import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { ClassTokenAndPosition } from '../layers/class-token-and-position';
import {
  countParams,
  expectClose,
  expectNoLeak,
  fixedValues,
  roundTrip,
  weightValues,
} from '../layers/test-helpers';
import { encoderFeatureDim } from './encoder-feature-dim';
import { smallConvNet } from './small-conv-net';
import { VisionTransformer } from './vision-transformer';
import { VIT_SIZES } from './vit-sizes';

/** timm ViT parameter count without head: blocks, patch embed, cls token, pos table, final norm. */
function timmCount(d: number, depth: number, patch: number, channels: number, n: number): number {
  const block =
    2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (4 * d * d + 4 * d) + (4 * d * d + d);
  return depth * block + (patch * patch * channels * d + d) + d + (n + 1) * d + 2 * d;
}

const tiny = { embedDim: 16, depth: 2, numHeads: 2, imageSize: 8, patchSize: 4 };

describe('VisionTransformer', () => {
  it('ViT-Tiny/16 at 224 px has 5,524,416 parameters (timm, without head)', () => {
    expect(timmCount(192, 12, 16, 3, 196)).toBe(5_524_416);
    const sincos = new VisionTransformer(
      { size: 'tiny', imageSize: 224, patchSize: 16 },
      createRng(0),
    );
    expect(countParams(sincos.model.weights)).toBe(5_524_416);
    // The sin-cos table (197 x 192) is fixed, not trained.
    expect(countParams(sincos.model.trainableWeights)).toBe(5_524_416 - 197 * 192);
    expect(encoderFeatureDim(sincos.model)).toBe(192);
    expect([sincos.numPatches, sincos.blocks.length, sincos.embedDim]).toEqual([196, 12, 192]);
    const learned = new VisionTransformer(
      { size: 'tiny', imageSize: 224, patchSize: 16, posEmbed: 'learned' },
      createRng(0),
    );
    expect(countParams(learned.model.trainableWeights)).toBe(5_524_416);
  });

  it('has the standard sizes (Small: 384 / 12 / 6, 21,665,664 parameters without head)', () => {
    expect(VIT_SIZES.tiny).toEqual({ embedDim: 192, depth: 12, numHeads: 3 });
    expect(VIT_SIZES.small).toEqual({ embedDim: 384, depth: 12, numHeads: 6 });
    expect(VIT_SIZES.base).toEqual({ embedDim: 768, depth: 12, numHeads: 12 });
    expect(timmCount(384, 12, 16, 3, 196)).toBe(22_050_664 - 385_000);
    expect(timmCount(768, 12, 16, 3, 196)).toBe(86_567_656 - 769_000);
    const small = new VisionTransformer(
      { size: 'small', imageSize: 32, patchSize: 4 },
      createRng(0),
    );
    expect(small.blocks.map((b) => b.numHeads)).toEqual(new Array(12).fill(6));
    expect(countParams(small.model.weights)).toBe(timmCount(384, 12, 4, 3, 64));
  });

  it("outputs the class token or the patch mean after the final norm ('cls' / 'mean')", () => {
    const x = tf.tensor4d(fixedValues(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
    for (const pooling of ['cls', 'mean'] as const) {
      const v = new VisionTransformer({ ...tiny, pooling }, createRng(1));
      const tokens = v.forwardTokens(x);
      expect(tokens.shape).toEqual([2, 5, 16]);
      const expected =
        pooling === 'cls'
          ? tokens.slice([0, 0, 0], [2, 1, 16])
          : tokens.slice([0, 1, 0], [2, 4, 16]).mean(1);
      expectClose((v.model.predict(x) as tf.Tensor).dataSync(), expected.dataSync());
    }
    const noCls = new VisionTransformer({ ...tiny, classToken: false }, createRng(1));
    expect(noCls.pool.mode).toBe('mean');
    expect(noCls.forwardTokens(x).shape).toEqual([2, 4, 16]);
    expect((noCls.model.predict(x) as tf.Tensor).shape).toEqual([2, 16]);
    expect(() => new VisionTransformer({ ...tiny, classToken: false, pooling: 'cls' })).toThrow(
      /classToken/,
    );
  });

  it('its parts applied eagerly compose to the model (embed -> cls -> blocks -> norm -> pool)', () => {
    const v = new VisionTransformer({ ...tiny, posEmbed: 'learned' }, createRng(2));
    const x = tf.tensor4d(fixedValues(3 * 8 * 8 * 3, 2), [3, 8, 8, 3]);
    const manual = tf.tidy(() => {
      let t: tf.Tensor = v.patchEmbed.apply(x) as tf.Tensor;
      t = v.tokens.apply(t) as tf.Tensor;
      for (const block of v.blocks) t = block.apply(t) as tf.Tensor;
      return v.pool.apply(v.norm.apply(t) as tf.Tensor) as tf.Tensor;
    });
    const viaMethods = v.poolTokens(v.encode(v.prependClassToken(v.embed(x))));
    const model = v.model.predict(x) as tf.Tensor;
    expectClose(manual.dataSync(), model.dataSync());
    expectClose(viaMethods.dataSync(), model.dataSync());
  });

  it('features() takes other image sizes through a bicubically resized position table (DINO local crops)', () => {
    const v = new VisionTransformer({ ...tiny, imageSize: 16, posEmbed: 'learned' }, createRng(4));
    const big = tf.tensor4d(fixedValues(2 * 16 * 16 * 3, 3), [2, 16, 16, 3]);
    expectClose(v.features(big).dataSync(), (v.model.predict(big) as tf.Tensor).dataSync());
    const small = tf.tensor4d(fixedValues(2 * 8 * 12 * 3, 4), [2, 8, 12, 3]);
    const tokens = v.embed(small);
    expect(tokens.shape).toEqual([2, 6, 16]); // a 2x3 grid of 4 px patches
    const f = v.features(small, true);
    expect(f.shape).toEqual([2, 16]);
    expect(Array.from(f.dataSync()).every(Number.isFinite)).toBe(true);
    // The model itself keeps its input size.
    expect(() => v.model.predict(small)).toThrow();
    tf.dispose([big, small, tokens, f]);
  });

  it('MAE: encodes a gathered subset; keeping every patch in shuffled order gives the same cls', () => {
    const v = new VisionTransformer(tiny, createRng(3));
    const x = tf.tensor4d(fixedValues(2 * 8 * 8 * 3, 4), [2, 8, 8, 3]);
    const encodeKept = (keep: number[][]) =>
      tf.tidy(() => {
        const patches = v.embed(x);
        const visible = tf.gather(patches, tf.tensor2d(keep, undefined, 'int32'), 1, 1);
        return v.encode(v.prependClassToken(visible));
      });
    const subset = encodeKept([
      [3, 0],
      [1, 2],
    ]);
    expect(subset.shape).toEqual([2, 3, 16]);
    // Attention is permutation-equivariant and positions are added before the gather.
    const shuffled = encodeKept([
      [2, 0, 3, 1],
      [1, 3, 0, 2],
    ]);
    expectClose(
      shuffled.slice([0, 0, 0], [2, 1, 16]).dataSync(),
      (v.model.predict(x) as tf.Tensor).dataSync(),
      1e-5,
      1e-4,
    );
    expectNoLeak(() => {
      encodeKept([
        [0, 1],
        [2, 3],
      ]);
    });
    // Gradients reach the class token, the patch embedding and the blocks through the eager parts.
    const watched = v.model.trainableWeights
      .filter((w) =>
        /cls_token|patch_embed\/proj\/kernel|blocks\.1\/mlp\/fc2\/kernel/.test(w.originalName),
      )
      .map((w) => w.read() as tf.Variable);
    expect(watched).toHaveLength(3);
    const { grads } = tf.variableGrads(
      () =>
        tf.sum(
          tf.square(
            encodeKept([
              [3, 0],
              [1, 2],
            ]),
          ),
        ),
      watched,
    );
    for (const variable of watched) {
      expect(tf.max(tf.abs(grads[variable.name])).dataSync()[0], variable.name).toBeGreaterThan(0);
    }
  });

  it('saves and loads with identical outputs; fromModel recovers the parts', async () => {
    const v = new VisionTransformer({ ...tiny, posEmbed: 'learned', dropPath: 0.2 }, createRng(4));
    const x = tf.tensor4d(fixedValues(2 * 8 * 8 * 3, 5), [2, 8, 8, 3]);
    const loaded = await roundTrip(v.model);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (v.model.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
    const parts = VisionTransformer.fromModel(loaded);
    expect(parts.tokens).toBeInstanceOf(ClassTokenAndPosition);
    expect(parts.blocks.map((b) => b.dropPathRate)).toEqual([0, 0.2]);
    expect([parts.gridSize, parts.patchSize, parts.numPrefixTokens]).toEqual([[2, 2], 4, 1]);
    expectClose(parts.forwardTokens(x).dataSync(), v.forwardTokens(x).dataSync(), 0, 0);
    expect(() => VisionTransformer.fromModel(smallConvNet({ inputShape: [8, 8, 1] }))).toThrow(
      /no PatchEmbed/,
    );
  });

  it('is seeded: same seed, same weights; other seed, other weights', () => {
    const a = weightValues(
      new VisionTransformer({ ...tiny, posEmbed: 'learned' }, createRng(9)).model,
    );
    const b = weightValues(
      new VisionTransformer({ ...tiny, posEmbed: 'learned' }, createRng(9)).model,
    );
    const c = weightValues(
      new VisionTransformer({ ...tiny, posEmbed: 'learned' }, createRng(10)).model,
    );
    expect(b).toEqual(a);
    a.forEach((w, i) => {
      if (w.some((v) => v !== 0 && v !== 1)) expect(c[i]).not.toEqual(w);
    });
  });

  it('one SGD step on the cpu backend lowers a loss; every weight gets a gradient', () => {
    const v = new VisionTransformer({ ...tiny, posEmbed: 'learned' }, createRng(5));
    const x = tf.tensor4d(fixedValues(4 * 8 * 8 * 3, 6), [4, 8, 8, 3]);
    const target = tf.tensor2d(fixedValues(4 * 16, 7), [4, 16]);
    const loss = () =>
      tf.losses.meanSquaredError(
        target,
        v.model.apply(x, { training: true }) as tf.Tensor,
      ) as tf.Scalar;
    const vars = v.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const before = tf.tidy(() => loss().dataSync()[0]);
    const optimizer = tf.train.sgd(0.05);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(loss, vars);
      for (const variable of vars) {
        const g = grads[variable.name];
        expect(tf.max(tf.abs(g)).dataSync()[0], variable.name).toBeGreaterThan(0);
      }
      optimizer.applyGradients(grads);
    });
    expect(tf.tidy(() => loss().dataSync()[0])).toBeLessThan(before);
  });

  it('leaks nothing in inference or training, and validates its options', () => {
    const v = new VisionTransformer({ ...tiny, dropPath: 0.1 }, createRng(6));
    const x = tf.zeros([2, 8, 8, 3]);
    expectNoLeak(() => {
      v.model.predict(x);
      v.model.apply(x, { training: true });
      v.forwardTokens(x, true);
    });
    expect(() => new VisionTransformer({ ...tiny, imageSize: 10 })).toThrow(
      /divisible by patchSize/,
    );
    expect(() => new VisionTransformer({ ...tiny, numHeads: 3 })).toThrow(/divisible by numHeads/);
    expect(() => new VisionTransformer({ imageSize: 8, patchSize: 4 })).toThrow(/embedDim/);
  });
});
