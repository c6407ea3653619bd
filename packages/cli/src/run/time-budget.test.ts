import { describe, expect, it } from 'vitest';
import type { StepLogs } from '@selfsup/core';
import { TimeBudget } from './time-budget';

const logs = (elapsed: number): StepLogs => ({
  step: 1,
  epoch: 0,
  loss: 1,
  lr: 0,
  gradNorm: 1,
  samples: 8,
  samplesPerSecond: 8,
  elapsed,
  metrics: {},
});

describe('TimeBudget', () => {
  it('warms up linearly over steps, then follows a half-cosine over the budget time, and stops when it is spent', () => {
    const lines: string[] = [];
    const seconds = 100;
    // The command started 50 s ago: half the budget is spent once training begins.
    const budget = new TimeBudget({
      seconds,
      startedAt: performance.now() - 50_000,
      peakLr: 1,
      warmupSteps: 4,
      finalLr: 0.1,
      every: 1,
      write: (l) => lines.push(l),
    });
    expect(budget.schedule(0)).toBeCloseTo(0.25, 12);
    expect(budget.schedule(3)).toBeCloseTo(1, 12);
    budget.onTrainBegin();
    // Half-way: final + (peak - final) * (1 + cos(pi / 2)) / 2 = 0.55.
    expect(budget.schedule(10)).toBeCloseTo(0.55, 2);
    let stopped = '';
    const ctx = { stop: (r: string) => (stopped = r) };
    budget.onStepEnd(1, logs(10), ctx); // 50 s setup + 10 s training: 60% spent
    expect(stopped).toBe('');
    expect(lines[0]).toMatch(/1m00s of 1m40s \| ETA 40s$/);
    // At 60%: 0.1 + 0.9 * (1 + cos(0.6 pi)) / 2.
    expect(budget.schedule(10)).toBeCloseTo(0.1 + (0.9 * (1 + Math.cos(0.6 * Math.PI))) / 2, 2);
    budget.onStepEnd(2, logs(50), ctx);
    expect(stopped).toBe('time budget of 1m40s spent');
    expect(budget.schedule(10)).toBeCloseTo(0.1, 12);
  });
});
