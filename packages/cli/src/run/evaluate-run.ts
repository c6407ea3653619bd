import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import {
  baselines,
  evaluateEncoder,
  extractFeatures,
  writeReport,
  type EvaluationRow,
  type ReportResultRow,
} from '@selfsup/eval';
import type { ResolvedConfig } from '../config/schema';
import { toLabelledData, type ImageData } from '../data/load-image-data';
import { buildEncoder } from '../model/build-encoder';
import { RUN_FILES, updateResults } from './run-folder';

/** kNN and linear-probe accuracy of one encoder (fractions in [0, 1]). */
export interface Scores {
  dim: number;
  knnTop1?: number;
  knnTop5?: number;
  linearTop1?: number;
  linearTop5?: number;
  /** Weight decay the probe chose. */
  linearWeightDecay?: number;
}

/** What {@link evaluateRun} measured and wrote. */
export interface RunEvaluation {
  ssl: Scores;
  rawPixels?: Scores;
  randomInit?: Scores;
  reportPath: string;
  resultsPath: string;
  seconds: number;
}

const scores = (row: EvaluationRow): Scores => ({
  dim: row.dim,
  knnTop1: row.knn?.top1,
  knnTop5: row.knn?.top5,
  linearTop1: row.probe?.top1,
  linearTop5: row.probe?.top5,
  linearWeightDecay: row.probe?.weightDecay,
});

/** A results-table row as the report takes it. */
export function reportRow(row: EvaluationRow): ReportResultRow {
  return {
    name: row.name,
    dim: row.dim,
    probeTop1: row.probe?.top1,
    probeTop5: row.probe?.top5,
    weightDecay: row.probe?.weightDecay,
    knnTop1: row.knn?.top1,
    knnTop5: row.knn?.top5,
    k: row.knn?.k,
  };
}

/** Options of {@link evaluateRun}. */
export interface EvaluateRunOptions {
  encoder: tf.LayersModel;
  data: ImageData;
  config: ResolvedConfig;
  runDir: string;
  /** Report title, e.g. 'SimCLR on mnist'. */
  title: string;
  /** Name of the pretrained encoder's row, e.g. 'SimCLR encoder'. */
  encoderName: string;
  subtitle?: string;
  /** Merged into results.json beside the scores. */
  extra?: Record<string, unknown>;
  log: (line: string) => void;
}

/**
 * Scores a pretrained encoder on the run's held-out split with kNN and a linear probe (eval's
 * `baselines`: the same functions score raw pixels and a random-init encoder of the same
 * architecture), then writes `results.json` and `report.html` (training curves from
 * `metrics.jsonl`, the results table, a 2-D map of held-out embeddings) into the run folder.
 *
 * @example
 * ```ts
 * const { ssl, reportPath } = await evaluateRun({ encoder, data, config, runDir, title: 'SimCLR on mnist', log: console.error });
 * ```
 */
export async function evaluateRun(options: EvaluateRunOptions): Promise<RunEvaluation> {
  const { encoder, data, config, runDir, log } = options;
  const start = performance.now();
  const e = config.eval;
  const size = config.data.imageSize;
  const train = toLabelledData(data.train, e.trainSize, size);
  const test = toLabelledData(data.heldOut, e.testSize, size);
  const rng = createRng(config.seed + 17);
  const evalOptions = { knn: e.knn, probe: e.probe ? {} : (false as const) };
  log(
    `evaluating on ${train.y.length} labelled training images and ${test.y.length} held-out images ` +
      `(kNN k=${e.knn.k}${e.probe ? ', linear probe' : ''}${e.baselines ? ', baselines: raw pixels and random init' : ''})...`,
  );
  let ssl: Scores;
  let rawPixels: Scores | undefined;
  let randomInit: Scores | undefined;
  let rows: EvaluationRow[];
  let embeddings: { features: Float32Array; dim: number } | undefined;
  let mapLabels: Int32Array | undefined;
  try {
    if (e.baselines) {
      const inputShape: [number, number, number] = [size, size, config.data.channels];
      const r = await baselines(
        {
          train,
          test,
          encoder,
          encoderName: options.encoderName,
          encoderFactory: (seed) => buildEncoder(config.encoder, inputShape, createRng(seed)),
          ...evalOptions,
        },
        rng,
      );
      rows = r.rows;
      rawPixels = scores(r.raw);
      randomInit = scores(r.randomInit);
      ssl = scores(r.encoder!);
    } else {
      const row = await evaluateEncoder(
        options.encoderName,
        encoder,
        train,
        test,
        evalOptions,
        rng,
      );
      rows = [row];
      ssl = scores(row);
    }
    if (e.mapPoints > 0) {
      const n = Math.min(e.mapPoints, test.y.length);
      const x = tf.slice(test.x, 0, n);
      try {
        const f = await extractFeatures(encoder, { x, y: test.y.subarray(0, n) });
        embeddings = { features: f.features, dim: f.dim };
        mapLabels = f.labels;
      } finally {
        x.dispose();
      }
    }
  } finally {
    tf.dispose([train.x, test.x]);
  }
  const { htmlPath } = await writeReport(
    {
      outDir: runDir,
      title: options.title,
      subtitle: options.subtitle,
      metrics: path.join(runDir, RUN_FILES.metrics),
      results: rows,
      embeddings,
      labels: mapLabels,
      classNames: data.classNames,
      umap: { maxPoints: e.mapPoints },
    },
    createRng(config.seed + 23),
  );
  const seconds = (performance.now() - start) / 1000;
  const resultsPath = await updateResults(runDir, {
    ...options.extra,
    evaluation: {
      trainSize: train.y.length,
      testSize: test.y.length,
      knn: e.knn,
      probe: e.probe,
      seconds,
    },
    ssl,
    rows: rows.map(reportRow),
    ...(rawPixels ? { baselines: { rawPixels, randomInit } } : {}),
    report: htmlPath,
  });
  return { ssl, rawPixels, randomInit, reportPath: htmlPath, resultsPath, seconds };
}
