import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CollapseMonitor } from './collapse-monitor';

type Init = ReturnType<typeof tf.initializers.zeros>;
const encoder = (kernelInitializer: Init, biasInitializer?: Init) =>
  tf.sequential({
    layers: [tf.layers.dense({ inputShape: [10], units: 16, kernelInitializer, biasInitializer })],
  });

describe('CollapseMonitor', () => {
  it('warns for a collapsed encoder (constant output) and stays quiet for a random one', () => {
    const inputs = tf.randomNormal([64, 10], 0, 1, 'float32', 1);
    const warnings: string[] = [];
    const monitor = new CollapseMonitor({ inputs, every: 10, warn: (m) => warnings.push(m) });
    const healthy = encoder(tf.initializers.glorotNormal({ seed: 2 }));
    const collapsed = encoder(tf.initializers.zeros(), tf.initializers.ones());
    const before = tf.memory().numTensors;
    const logs = { metrics: { loss: 1 } as Record<string, number> };
    monitor.onStepEnd(10, logs, { method: { encoder: healthy } });
    expect(warnings).toEqual([]);
    expect(logs.metrics.embeddingStd).toBeGreaterThan(0.5 / Math.sqrt(16));
    expect(logs.metrics.effectiveRank).toBeGreaterThan(5);
    monitor.onStepEnd(20, logs, { method: { encoder: collapsed } });
    expect(tf.memory().numTensors).toBe(before);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/possible collapse at step 20/);
    expect(monitor.history.map((h) => [h.step, h.collapsed])).toEqual([
      [10, false],
      [20, true],
    ]);
    expect(monitor.history[1].std).toBeLessThan(1e-6);
    tf.dispose([inputs]);
    healthy.dispose();
    collapsed.dispose();
  });

  it('warns on dimensional collapse (rank 1) even when the std is not tiny', () => {
    // Outputs vary along one direction only: w = u v' with rank 1.
    const inputs = tf.randomNormal([64, 10], 0, 1, 'float32', 3);
    const rankOne = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [10],
          units: 1,
          useBias: false,
          kernelInitializer: tf.initializers.ones(),
        }),
        tf.layers.dense({
          units: 16,
          useBias: false,
          kernelInitializer: tf.initializers.randomNormal({ seed: 4 }),
        }),
      ],
    });
    const warnings: string[] = [];
    const monitor = new CollapseMonitor({
      inputs,
      every: 1,
      warn: (m) => warnings.push(m),
      minRankFraction: 0.1,
    });
    monitor.onStepEnd(1, { metrics: {} }, { method: { encoder: rankOne } });
    expect(monitor.history[0].effectiveRank).toBeLessThan(1.01);
    expect(warnings.length).toBe(1);
    inputs.dispose();
    rankOne.dispose();
  });

  it("falls back to the trainer's log for warnings", () => {
    const inputs = tf.ones([4, 10]);
    const model = encoder(tf.initializers.zeros(), tf.initializers.ones());
    const lines: string[] = [];
    new CollapseMonitor({ inputs, every: 1 }).onStepEnd(
      1,
      { metrics: {} },
      { method: { encoder: model }, log: (m) => lines.push(m) },
    );
    expect(lines.length).toBe(1);
    inputs.dispose();
    model.dispose();
  });

  it('checkpoints its history under a configurable name', () => {
    const inputs = tf.ones([4, 10]);
    const a = new CollapseMonitor({ inputs, name: 'collapse-projector' });
    expect(a.name).toBe('collapse-projector');
    a.history.push({ step: 3, std: 0.1, stdRatio: 0.4, effectiveRank: 3, collapsed: false });
    const b = new CollapseMonitor({ inputs });
    expect(b.name).toBe('CollapseMonitor');
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    expect(b.history).toEqual(a.history);
    inputs.dispose();
  });

  it('runs only every N steps and validates its options', () => {
    const inputs = tf.ones([4, 10]);
    const model = encoder(tf.initializers.glorotNormal({ seed: 5 }));
    const monitor = new CollapseMonitor({ inputs, every: 3, warn: () => {} });
    for (let step = 1; step <= 7; step++)
      monitor.onStepEnd(step, { metrics: {} }, { method: { encoder: model } });
    expect(monitor.history.map((h) => h.step)).toEqual([3, 6]);
    expect(() => new CollapseMonitor({ inputs, every: 0 })).toThrow(/every/);
    expect(() => new CollapseMonitor({ inputs: tf.ones([1, 10]) })).toThrow(/at least 2/);
    inputs.dispose();
    model.dispose();
  });
});
