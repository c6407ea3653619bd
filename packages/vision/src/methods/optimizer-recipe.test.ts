import { AdamW, LARS, SGD } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { BYOL } from './byol/byol';
import { DINO } from './dino/dino';
import { MoCoV2 } from './moco-v2/moco-v2';
import { MoCoV3 } from './moco-v3/moco-v3';
import { recommendedOptimizer, type OptimizerRecipe } from './optimizer-recipe';
import { SimCLR } from './simclr/simclr';
import { VICReg } from './vicreg/vicreg';

describe('recommendedOptimizer', () => {
  it('scales the learning rate linearly with the batch and warms up for warmupEpochs', () => {
    const r = SimCLR.recommendedOptimizer({ batchSize: 512, totalSteps: 1000, stepsPerEpoch: 10 });
    expect(r.optimizer).toBeInstanceOf(LARS);
    expect(r.peakLearningRate).toBeCloseTo(0.6, 12); // 0.3 x 512 / 256
    expect(r.warmupSteps).toBe(100); // 10 epochs of 10 steps
    expect(r.schedule(0)).toBe(0);
    expect(r.schedule(50)).toBeCloseTo(0.3, 12);
    expect(r.schedule(100)).toBeCloseTo(0.6, 12);
    expect(r.schedule(1000)).toBe(0);
    expect(r.optimizer.getConfig()).toMatchObject({
      weightDecay: 1e-6,
      momentum: 0.9,
      trustCoefficient: 0.001,
    });
    r.optimizer.dispose();
  });

  it("keeps the reference run's warm-up proportion without stepsPerEpoch", () => {
    const r = BYOL.recommendedOptimizer({ batchSize: 256, totalSteps: 5000 }); // 10 of 1000 epochs
    expect(r.warmupSteps).toBe(50);
    expect(r.peakLearningRate).toBeCloseTo(0.2, 12);
    expect(r.optimizer.getConfig()).toMatchObject({ weightDecay: 1.5e-6 });
    r.optimizer.dispose();
  });

  it('builds SGD for MoCo v2 and AdamW for DINO and ViT MoCo v3, with their final learning rates', () => {
    const moco = MoCoV2.recommendedOptimizer({ batchSize: 256, totalSteps: 100 });
    expect(moco.optimizer).toBeInstanceOf(SGD);
    expect(moco.warmupSteps).toBe(0);
    expect(moco.schedule(0)).toBeCloseTo(0.03, 12);
    const dino = DINO.recommendedOptimizer({ batchSize: 512, totalSteps: 100, stepsPerEpoch: 1 });
    expect(dino.optimizer).toBeInstanceOf(AdamW);
    expect(dino.peakLearningRate).toBeCloseTo(1e-3, 12);
    expect(dino.schedule(100)).toBeCloseTo(1e-6, 12);
    const vit = recommendedOptimizer(MoCoV3.vitRecipe, {
      batchSize: 4096,
      totalSteps: 300,
      stepsPerEpoch: 1,
    });
    expect(vit.peakLearningRate).toBeCloseTo(2.4e-3, 12);
    expect(vit.warmupSteps).toBe(40);
    const vic = VICReg.recommendedOptimizer({ batchSize: 256, totalSteps: 1000, warmupSteps: 0 });
    expect(vic.schedule(1000)).toBeCloseTo(0.2 * 0.001, 12);
    [moco, dino, vit, vic].forEach((r) => r.optimizer.dispose());
  });

  it('supports the square-root rule and rejects bad sizes', () => {
    const sqrt: OptimizerRecipe = {
      ...SimCLR.recipe,
      baseLearningRate: 0.075,
      learningRateScaling: 'sqrt',
    };
    const r = recommendedOptimizer(sqrt, { batchSize: 256, totalSteps: 10, warmupSteps: 0 });
    expect(r.peakLearningRate).toBeCloseTo(1.2, 12); // 0.075 x sqrt(256)
    r.optimizer.dispose();
    expect(() => recommendedOptimizer(sqrt, { batchSize: 0, totalSteps: 10 })).toThrow(/batchSize/);
    expect(() => recommendedOptimizer(sqrt, { batchSize: 8, totalSteps: 1.5 })).toThrow(
      /totalSteps/,
    );
  });
});
