// A realistic report for the report tests (not exported from the package).
import { createRng } from '@selfsup/core';
import { gaussianClusters } from '../test-utils';
import type { MetricRow, ReportResultRow } from './report-data';
import type { WriteReportOptions } from './write-report';

/** 400 steps of warmup-cosine training with kNN every 50 steps, three result rows, 10 clusters. */
export function sampleReportOptions(outDir: string): WriteReportOptions {
  const rng = createRng(11);
  // Rows as core's Trainer writes metrics.jsonl: per-step rows, plus an epoch summary every 100 steps.
  const metrics: MetricRow[] = [];
  let epochLoss = 0;
  for (let step = 1; step <= 400; step++) {
    const lr =
      step <= 40 ? (1e-3 * step) / 40 : 0.5e-3 * (1 + Math.cos((Math.PI * (step - 40)) / 360));
    const loss = 4 * Math.exp(-step / 120) + 0.6 + 0.08 * rng.normal();
    epochLoss += loss / 100;
    const row: MetricRow = {
      type: 'step',
      step,
      epoch: Math.floor((step - 1) / 100),
      loss,
      lr,
      gradNorm: 2 * Math.exp(-step / 200) + 0.3 + 0.05 * rng.normal(),
      samplesPerSecond: 800 + 20 * rng.normal(),
      time: step * 0.08,
    };
    if (step % 50 === 0) row.knnTop1 = 0.5 + 0.45 * (1 - Math.exp(-step / 150));
    metrics.push(row);
    if (step % 100 === 0) {
      metrics.push({
        type: 'epoch',
        epoch: step / 100 - 1,
        step,
        loss: epochLoss,
        samples: 6400,
        skipped: 0,
      });
      epochLoss = 0;
    }
  }
  const results: ReportResultRow[] = [
    {
      name: 'raw input',
      dim: 784,
      probeTop1: 0.915,
      probeTop5: 0.99,
      weightDecay: 1e-3,
      knnTop1: 0.94,
      knnTop5: 0.995,
      k: 20,
    },
    {
      name: 'random-init encoder',
      dim: 128,
      probeTop1: 0.89,
      probeTop5: 0.985,
      weightDecay: 1e-4,
      knnTop1: 0.88,
      knnTop5: 0.98,
      k: 20,
    },
    {
      name: 'SimCLR <test>',
      dim: 128,
      probeTop1: 0.975,
      probeTop5: 0.999,
      weightDecay: 0,
      knnTop1: 0.965,
      knnTop5: 0.998,
      k: 20,
    },
  ];
  const clusters = gaussianClusters(10, 30, 16, 2.5, rng);
  return {
    outDir,
    title: 'SimCLR on MNIST & friends',
    subtitle: 'synthetic sample report',
    metrics,
    results,
    embeddings: clusters,
    labels: clusters.labels,
    classNames: Array.from({ length: 10 }, (_, i) => `digit ${i}`),
    umap: { nEpochs: 150 },
    diagnostics: { embedding_std: 0.084, effective_rank: 97.3, alignment: 0.41, uniformity: -3.62 },
  };
}
