import { readFile } from 'node:fs/promises';
import type { MetricRow } from './report-data';

/**
 * Reads a `metrics.jsonl` file (one JSON object per line, blank lines ignored) into rows for
 * {@link writeReport}.
 *
 * @example
 * ```ts
 * import { readMetricsJsonl, writeReport } from '@selfsup/eval';
 * const metrics = await readMetricsJsonl('runs/simclr/metrics.jsonl');
 * await writeReport({ outDir: 'runs/simclr', metrics, results: [] });
 * ```
 */
export async function readMetricsJsonl(path: string): Promise<MetricRow[]> {
  const text = await readFile(path, 'utf8');
  const rows: MetricRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new Error(
        `readMetricsJsonl: ${path}:${i + 1} is not valid JSON (${(err as Error).message})`,
      );
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new Error(
        `readMetricsJsonl: ${path}:${i + 1} must be a JSON object, got ${line.slice(0, 80)}`,
      );
    }
    rows.push(row as MetricRow);
  });
  return rows;
}
