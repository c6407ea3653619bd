import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveRng, type Rng } from '@selfsup/core';
import type { EvaluationRow } from '../baselines/evaluate-encoder';
import { toInt32Labels } from '../internal/to-labels';
import { toMatrix } from '../internal/to-matrix';
import type { EmbeddingInput, LabelsLike } from '../types';
import { embed2d, type Embed2dOptions } from './embed-2d';
import { readMetricsJsonl } from './read-metrics-jsonl';
import { renderReportHtml } from './render-report-html';
import type { MetricRow, ReportData, ReportResultRow } from './report-data';

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** Folder for `report.html` and `report.json` (created if missing). */
  outDir: string;
  /** Default 'selfsup report'. */
  title?: string;
  subtitle?: string;
  /** Training log rows, or the path of a `metrics.jsonl`. */
  metrics?: MetricRow[] | string;
  /** Results table: rows from {@link evaluateEncoder} / {@link baselines}, or plain numbers. */
  results?: (EvaluationRow | ReportResultRow)[];
  /** Embeddings to map in 2-D with UMAP (needs `labels`). */
  embeddings?: EmbeddingInput;
  labels?: LabelsLike;
  classNames?: string[];
  /** UMAP settings and the number of points mapped (a seeded random subset). Default 2000 points. */
  umap?: Embed2dOptions & { maxPoints?: number };
  diagnostics?: Record<string, number>;
  /** Base name of the two files. Default 'report'. */
  fileName?: string;
}

/** Where {@link writeReport} wrote, and what. */
export interface WrittenReport {
  htmlPath: string;
  jsonPath: string;
  data: ReportData;
}

function toRow(row: EvaluationRow | ReportResultRow): ReportResultRow {
  if (!('probe' in row) && !('knn' in row)) return { ...row };
  const r = row as EvaluationRow;
  return {
    name: r.name,
    dim: r.dim,
    probeTop1: r.probe?.top1,
    probeTop5: r.probe?.top5,
    weightDecay: r.probe?.weightDecay,
    knnTop1: r.knn?.top1,
    knnTop5: r.knn?.top5,
    k: r.knn?.k,
  };
}

/**
 * Writes a run's report: `report.html` (one self-contained page, see {@link renderReportHtml}) and
 * `report.json` (the same numbers: metrics, results, diagnostics, 2-D map). Embeddings, if given,
 * are mapped to 2-D with {@link embed2d} (UMAP seeded from `rng`) on a seeded random subset of at
 * most `umap.maxPoints` points.
 *
 * @example
 * ```ts
 * import { baselines, writeReport } from '@selfsup/eval';
 * import { createRng } from '@selfsup/core';
 *
 * const table = await baselines({ train, test, encoderFactory, encoder }, createRng(0));
 * const { htmlPath } = await writeReport({
 *   outDir: 'runs/simclr',
 *   title: 'SimCLR on MNIST',
 *   metrics: 'runs/simclr/metrics.jsonl',
 *   results: table.rows,
 *   embeddings: testFeatures,
 *   labels: testFeatures.labels,
 * }, createRng(0));
 * ```
 */
export async function writeReport(options: WriteReportOptions, rng?: Rng): Promise<WrittenReport> {
  const r = resolveRng(rng);
  const metrics =
    typeof options.metrics === 'string'
      ? await readMetricsJsonl(options.metrics)
      : (options.metrics ?? []);
  const data: ReportData = {
    title: options.title ?? 'selfsup report',
    subtitle: options.subtitle,
    metrics,
    results: (options.results ?? []).map(toRow),
    diagnostics: options.diagnostics,
  };
  if (options.embeddings !== undefined) {
    if (options.labels === undefined)
      throw new Error('writeReport: embeddings need labels to colour the map');
    const m = toMatrix(options.embeddings, 'writeReport');
    const labels = toInt32Labels(options.labels, 'writeReport');
    if (labels.length !== m.rows) {
      throw new Error(`writeReport: ${m.rows} embeddings but ${labels.length} labels`);
    }
    const maxPoints = options.umap?.maxPoints ?? 2000;
    let rows = Array.from({ length: m.rows }, (_, i) => i);
    if (m.rows > maxPoints)
      rows = Array.from(r.permutation(m.rows).subarray(0, maxPoints)).sort((a, b) => a - b);
    const features = new Float32Array(rows.length * m.cols);
    rows.forEach((row, i) =>
      features.set(m.data.subarray(row * m.cols, (row + 1) * m.cols), i * m.cols),
    );
    const nNeighbors = Math.min(options.umap?.nNeighbors ?? 15, rows.length - 1);
    const minDist = options.umap?.minDist ?? 0.1;
    const xy = embed2d({ features, dim: m.cols }, { ...options.umap, nNeighbors, minDist }, r);
    data.embedding = {
      points: Array.from(xy, (v) => Math.round(v * 1e4) / 1e4),
      labels: rows.map((row) => labels[row]),
      method: `UMAP (n_neighbors ${nNeighbors}, min_dist ${minDist})`,
      classNames: options.classNames,
    };
  }
  await mkdir(options.outDir, { recursive: true });
  const base = options.fileName ?? 'report';
  const htmlPath = join(options.outDir, `${base}.html`);
  const jsonPath = join(options.outDir, `${base}.json`);
  await writeFile(htmlPath, renderReportHtml(data));
  await writeFile(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
  return { htmlPath, jsonPath, data };
}
