/**
 * One row of a `metrics.jsonl` log: `step` plus any scalars (loss, lr, knnTop1, ...), as core's
 * Trainer writes them (`type: 'step'` rows and `type: 'epoch'` summaries). Non-numeric values are
 * kept in the JSON but not plotted.
 *
 * @example
 * ```ts
 * const row: MetricRow = { type: 'step', step: 10, loss: 5.2, lr: 0.001, knnTop1: 0.61 };
 * ```
 */
export type MetricRow = Record<string, number | string | boolean | null | undefined>;

/**
 * One line of the results table: numbers only, fractions in [0, 1] for accuracies.
 *
 * @example
 * ```ts
 * const row: ReportResultRow = { name: 'SimCLR', dim: 128, probeTop1: 0.97, knnTop1: 0.96, k: 20 };
 * ```
 */
export interface ReportResultRow {
  name: string;
  dim?: number;
  probeTop1?: number;
  probeTop5?: number;
  /** Weight decay the linear probe chose. */
  weightDecay?: number;
  knnTop1?: number;
  knnTop5?: number;
  /** Neighbours of the kNN numbers. */
  k?: number;
}

/**
 * A 2-D map of embeddings: flat `[x0, y0, x1, y1, ...]` coordinates and a class per point.
 *
 * @example
 * ```ts
 * const map: ReportEmbedding = { points: [0, 0, 1, 2], labels: [3, 5], method: 'UMAP' };
 * ```
 */
export interface ReportEmbedding {
  points: number[];
  labels: number[];
  /** How the map was made, e.g. 'UMAP (n_neighbors 15, min_dist 0.1)'. */
  method: string;
  classNames?: string[];
}

/**
 * Everything a report shows; also what `report.json` holds.
 *
 * @example
 * ```ts
 * const data: ReportData = {
 *   title: 'SimCLR on MNIST',
 *   metrics: [{ step: 1, loss: 4.1, lr: 0.001 }],
 *   results: [{ name: 'raw input', probeTop1: 0.92, knnTop1: 0.95 }],
 * };
 * ```
 */
export interface ReportData {
  title: string;
  subtitle?: string;
  metrics: MetricRow[];
  results: ReportResultRow[];
  embedding?: ReportEmbedding;
  /** Named scalars (embedding std, effective rank, alignment, ...). */
  diagnostics?: Record<string, number>;
}
