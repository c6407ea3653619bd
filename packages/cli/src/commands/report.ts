import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createRng, loadEncoder } from '@selfsup/core';
import { extractFeatures, writeReport, type ReportResultRow } from '@selfsup/eval';
import { parseCommandArgs, stringFlag } from '../args';
import { loadImageData, toLabelledData } from '../data/load-image-data';
import { EXIT, usageError } from '../errors';
import type { CliIO } from '../io';
import { findMethod } from '../methods/registry';
import { checkRunFolder, readResults, RUN_FILES, updateResults } from '../run/run-folder';
import { runFolderConfig, startBackend } from './shared';

/** `selfsup report --help`. */
export function reportHelp(): string {
  return `Usage: selfsup report --run <run-dir> [--no-map]

(Re)writes <run-dir>/report.html (and report.json): the training curves of metrics.jsonl, the
results table of results.json (kNN and linear probe beside the baselines), and a 2-D UMAP map of
held-out embeddings from the run's newest checkpoint. Open it in any browser; it is one
self-contained page.

Options:
  --run <run-dir>   a folder made by \`selfsup pretrain\` (required)
  --no-map          skip the embedding map (no encoder or data needed)
  -h, --help        this help`;
}

/**
 * `selfsup report`: the run's HTML report from eval's report writer.
 *
 * @example
 * ```ts
 * await reportCommand(['--run', 'runs/simclr-1'], processIO());
 * ```
 */
export async function reportCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('report', args, {
    run: { type: 'string' },
    'no-map': { type: 'boolean' },
  });
  if (values.help) {
    io.out(reportHelp());
    return EXIT.ok;
  }
  const runDir = stringFlag(values.run);
  if (!runDir)
    throw usageError('selfsup report: --run <run-dir> is required', 'see `selfsup report --help`');
  await checkRunFolder(runDir);
  const config = await runFolderConfig(runDir);
  const results = await readResults(runDir);
  const rows = (results.rows ?? []) as ReportResultRow[];
  if (rows.length === 0)
    io.err(
      `note: ${runDir} has no evaluation results yet; the report shows the training curves only`,
    );
  const metricsFile = path.join(runDir, RUN_FILES.metrics);
  const metrics = (await fs.stat(metricsFile).catch(() => null)) ? metricsFile : [];
  let embeddings: { features: Float32Array; dim: number } | undefined;
  let labels: Int32Array | undefined;
  let classNames: string[] | undefined;
  const hasCheckpoint =
    (await fs.readdir(path.join(runDir, RUN_FILES.checkpoints)).catch(() => [])).length > 0;
  if (!values['no-map'] && config.eval.mapPoints > 0 && hasCheckpoint) {
    await startBackend(config.backend, io);
    const encoder = await loadEncoder(runDir);
    const data = await loadImageData(config.data, process.cwd(), createRng(config.seed + 1));
    const test = toLabelledData(data.heldOut, config.eval.mapPoints, config.data.imageSize);
    try {
      const f = await extractFeatures(encoder, test);
      embeddings = { features: f.features, dim: f.dim };
      labels = f.labels;
      classNames = data.classNames;
    } finally {
      test.x.dispose();
      encoder.dispose();
    }
  }
  const entry = findMethod(String(config.method.name));
  const steps = typeof results.steps === 'number' ? `, ${results.steps} steps` : '';
  const { htmlPath } = await writeReport(
    {
      outDir: runDir,
      title: `${entry?.title ?? String(config.method.name)} on ${config.data.source}`,
      subtitle: `${config.encoder.name} encoder${steps}, batch ${config.train.batchSize}`,
      metrics,
      results: rows,
      embeddings,
      labels,
      classNames,
      umap: { maxPoints: config.eval.mapPoints },
    },
    createRng(config.seed + 23),
  );
  await updateResults(runDir, { report: htmlPath });
  io.out(`report: ${htmlPath}`);
  return EXIT.ok;
}
