import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import {
  countParams,
  expectClose,
  expectNoLeak,
  fixedValues,
  roundTrip,
  weightValues,
} from '../layers/test-helpers';
import { encoderFeatureDim } from './encoder-feature-dim';
import { resnet, type ResNetDepth } from './resnet';

/** torchvision's parameter count without fc, from the architecture (gamma + beta per BN). */
function torchvisionCount(depth: ResNetDepth, cifarStem: boolean): number {
  const table = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3] } as Record<
    number,
    number[]
  >;
  const bottleneck = depth >= 50;
  let params = (cifarStem ? 3 * 3 * 3 : 7 * 7 * 3) * 64 + 2 * 64;
  let inplanes = 64;
  table[depth].forEach((blocks, s) => {
    const planes = 64 * 2 ** s;
    for (let b = 0; b < blocks; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const out = bottleneck ? 4 * planes : planes;
      if (bottleneck) {
        params += inplanes * planes + 2 * planes; // conv1 1x1 + bn1
        params += 9 * planes * planes + 2 * planes; // conv2 3x3 + bn2
        params += planes * out + 2 * out; // conv3 1x1 + bn3
      } else {
        params += 9 * inplanes * planes + 2 * planes + 9 * planes * planes + 2 * planes;
      }
      if (stride !== 1 || inplanes !== out) params += inplanes * out + 2 * out;
      inplanes = out;
    }
  });
  return params;
}

describe('resnet', () => {
  it('ResNet-18 has torchvision parameter counts without fc (ImageNet and CIFAR stems)', () => {
    // torchvision resnet18: 11,689,512 with fc (512 * 1000 + 1000 = 513,000).
    expect(torchvisionCount(18, false)).toBe(11_689_512 - 513_000);
    expect(torchvisionCount(18, true)).toBe(11_168_832);
    const imagenet = resnet({ depth: 18, inputShape: [32, 32, 3] }, createRng(0));
    expect(countParams(imagenet.trainableWeights)).toBe(11_176_512);
    const cifar = resnet({ depth: 18, inputShape: [32, 32, 3], cifarStem: true }, createRng(0));
    expect(countParams(cifar.trainableWeights)).toBe(11_168_832);
    expect(encoderFeatureDim(cifar)).toBe(512);
  });

  it('ResNet-34 and ResNet-50 match torchvision (21,797,672 and 25,557,032 with fc)', () => {
    expect(torchvisionCount(34, false)).toBe(21_797_672 - 513_000);
    expect(torchvisionCount(50, false)).toBe(25_557_032 - (2048 * 1000 + 1000));
    const r34 = resnet({ depth: 34, inputShape: [32, 32, 3] }, createRng(0));
    expect(countParams(r34.trainableWeights)).toBe(21_284_672);
    const r50 = resnet({ depth: 50, inputShape: [32, 32, 3] }, createRng(0));
    expect(countParams(r50.trainableWeights)).toBe(23_508_032);
    expect(encoderFeatureDim(r50)).toBe(2048);
    // Bottleneck v1.5: the stride sits on the 3x3 conv.
    const conv = (n: string) => r50.getLayer(`resnet50.layer2.0.${n}`).getConfig();
    expect([conv('conv1').stride, conv('conv2').stride, conv('conv3').stride]).toEqual([1, 2, 1]);
    expect(r50.getLayer('resnet50.layer1.0.downsample.0').getWeights()[0].shape).toEqual([
      1, 1, 64, 256,
    ]);
  });

  it('downsamples as torchvision: 64 px -> conv1 32 -> maxpool 16 -> 16, 8, 4, 2', () => {
    const m = resnet({ depth: 18, inputShape: [64, 64, 3], widths: [4, 8, 8, 16] });
    const side = (name: string) => m.getLayer(name).outputShape[1];
    expect(side('resnet18.conv1')).toBe(32);
    expect(side('resnet18.maxpool')).toBe(16);
    expect(
      ['layer1', 'layer2', 'layer3', 'layer4'].map((l) => side(`resnet18.${l}.1.bn2`)),
    ).toEqual([16, 8, 4, 2]);
    const cifar = resnet({
      depth: 18,
      inputShape: [32, 32, 3],
      cifarStem: true,
      widths: [4, 4, 4, 4],
    });
    expect(cifar.getLayer('resnet18.conv1').outputShape[1]).toBe(32);
    expect(() => cifar.getLayer('resnet18.maxpool')).toThrow();
    const solo = resnet({
      depth: 18,
      inputShape: [32, 32, 3],
      cifarStem: true,
      cifarStemPadding: 2,
      widths: [4, 4, 4, 4],
    });
    expect(solo.getLayer('resnet18.conv1').outputShape[1]).toBe(34);
    expect(solo.getLayer('resnet18.layer4.1.bn2').outputShape[1]).toBe(5);
  });

  it('pads strided convs symmetrically as PyTorch (7x7, stride 2, padding 3)', () => {
    const m = resnet({ depth: 18, inputShape: [8, 8, 3], widths: [2, 2, 2, 2] }, createRng(1));
    const stem = tf.model({ inputs: m.inputs, outputs: m.getLayer('resnet18.conv1').output });
    const xs = fixedValues(8 * 8 * 3, 2);
    const out = (
      stem.predict(tf.tensor4d(xs, [1, 8, 8, 3])) as tf.Tensor
    ).arraySync() as number[][][][];
    const k = m.getLayer('resnet18.conv1').getWeights()[0].arraySync() as number[][][][];
    // out[i][j][o] = sum x[2i + u - 3][2j + v - 3][c] * k[u][v][c][o], zero outside the image.
    for (const [i, j] of [
      [0, 0],
      [1, 2],
      [3, 3],
    ]) {
      for (let o = 0; o < 2; o++) {
        let s = 0;
        for (let u = 0; u < 7; u++)
          for (let v = 0; v < 7; v++)
            for (let c = 0; c < 3; c++) {
              const [y, x] = [2 * i + u - 3, 2 * j + v - 3];
              if (y >= 0 && y < 8 && x >= 0 && x < 8) s += xs[(y * 8 + x) * 3 + c] * k[u][v][c][o];
            }
        expect(out[0][i][j][o]).toBeCloseTo(s, 4);
      }
    }
  });

  it('zeroInitResidual zeroes the last BN gamma of every branch: blocks start as identities', () => {
    const m = resnet(
      { depth: 18, inputShape: [16, 16, 3], widths: [4, 4, 8, 8], zeroInitResidual: true },
      createRng(0),
    );
    const bn2 = m.layers.filter((l) => /\.bn2$/.test(l.name));
    expect(bn2).toHaveLength(8);
    for (const l of bn2)
      expect(Array.from(l.getWeights()[0].dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(m.getLayer('resnet18.layer1.0.bn1').getWeights()[0].dataSync())).toEqual([
      1, 1, 1, 1,
    ]);
    const probe = tf.model({
      inputs: m.inputs,
      outputs: [
        m.getLayer('resnet18.maxpool').output,
        m.getLayer('resnet18.layer1.1.bn2').output,
      ] as tf.SymbolicTensor[],
    });
    const [before, after] = probe.predict(
      tf.tensor4d(fixedValues(16 * 16 * 3, 1), [1, 16, 16, 3]),
    ) as tf.Tensor[];
    expectClose(after.dataSync(), before.dataSync(), 0, 0);
    const r50 = resnet({
      depth: 50,
      inputShape: [16, 16, 3],
      widths: [2, 2, 2, 2],
      zeroInitResidual: true,
    });
    expect(
      r50.layers
        .filter((l) => /\.bn3$/.test(l.name))
        .every((l) =>
          l
            .getWeights()[0]
            .dataSync()
            .every((v) => v === 0),
        ),
    ).toBe(true);
  });

  it('scales every width, stem included, with widthMultiplier', () => {
    const m = resnet({ depth: 18, inputShape: [16, 16, 3], widthMultiplier: 0.25 });
    expect(m.getLayer('resnet18.conv1').getWeights()[0].shape).toEqual([7, 7, 3, 16]);
    expect(encoderFeatureDim(m)).toBe(128);
    expect(() => resnet({ depth: 18, inputShape: [16, 16, 3], widthMultiplier: 0.3 })).toThrow(
      /widths/,
    );
    expect(() => resnet({ depth: 20 as ResNetDepth, inputShape: [16, 16, 3] })).toThrow(/depth/);
  });

  it('is seeded, saves and loads with identical outputs (BasicBlock and Bottleneck), leaks nothing', async () => {
    for (const depth of [18, 50] as const) {
      const opts = {
        depth,
        inputShape: [16, 16, 3] as [number, number, number],
        cifarStem: true,
        widths: [2, 4, 4, 4] as [number, number, number, number],
      };
      const model = resnet(opts, createRng(7));
      expect(weightValues(resnet(opts, createRng(7)))).toEqual(weightValues(model));
      expect(weightValues(resnet(opts, createRng(8)))[0]).not.toEqual(weightValues(model)[0]);
      const x = tf.tensor4d(fixedValues(2 * 16 * 16 * 3, 3), [2, 16, 16, 3]);
      model.apply(x, { training: true });
      const loaded = await roundTrip(model);
      expectClose(
        (loaded.predict(x) as tf.Tensor).dataSync(),
        (model.predict(x) as tf.Tensor).dataSync(),
        0,
        0,
      );
      expectNoLeak(() => {
        model.predict(x);
        model.apply(x, { training: true });
      });
    }
  });
});
