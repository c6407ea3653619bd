/**
 * One sample that a dataset could not read and skipped.
 *
 * @example
 * ```ts
 * const p: DataProblem = { source: 'cats/001.jpg', reason: 'VipsJpeg: premature end of file', stage: 'imageFolder', epoch: 0 };
 * ```
 */
export interface DataProblem {
  /** Which sample: a file path (with `:line` for line-based formats) or an element index. */
  source: string;
  /** Why it was skipped (the decoder's error message). */
  reason: string;
  /** The pipeline stage that skipped it (e.g. `imageFolder(/data/cifar)`). */
  stage: string;
  /** The epoch in which it was met, as numbered by that stage. */
  epoch: number;
}

/**
 * What a dataset skipped: samples it could not read, with path and reason. Available from
 * {@link Dataset.report} at any time and logged by the Trainer at the end of each epoch.
 *
 * @example
 * ```ts
 * const report = dataset.report();
 * if (report.skipped > 0) console.warn(formatDataReport(report));
 * ```
 */
export interface DataReport {
  /** Number of skipped samples (each counted once per epoch, even if re-read after a resume). */
  skipped: number;
  problems: DataProblem[];
}

/**
 * Collects the problems of one pipeline stage. A problem met again for the same epoch and source
 * (a resumed pipeline re-reads a few samples) is counted once.
 *
 * @example
 * ```ts
 * const reporter = new DataReporter();
 * reporter.add({ source: 'a.png', reason: 'not an image', stage: 'imageFolder', epoch: 0 });
 * reporter.report().skipped; // 1
 * ```
 */
export class DataReporter {
  private readonly problems = new Map<string, DataProblem>();

  add(problem: DataProblem): void {
    const key = `${problem.epoch}\u0000${problem.stage}\u0000${problem.source}`;
    if (!this.problems.has(key)) this.problems.set(key, problem);
  }

  report(): DataReport {
    const problems = [...this.problems.values()];
    return { skipped: problems.length, problems };
  }
}
