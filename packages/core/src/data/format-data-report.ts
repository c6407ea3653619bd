import type { DataReport } from './data-report';

/**
 * Formats a report as one line per problem, for logs.
 *
 * @example
 * ```ts
 * console.warn(formatDataReport(dataset.report(), 10));
 * ```
 */
export function formatDataReport(report: DataReport, maxLines = 20): string {
  if (report.skipped === 0) return 'no sample skipped';
  const lines = report.problems
    .slice(0, maxLines)
    .map((p) => `  ${p.source}: ${p.reason} [${p.stage}, epoch ${p.epoch}]`);
  if (report.problems.length > maxLines)
    lines.push(`  ... and ${report.problems.length - maxLines} more`);
  return `${report.skipped} sample(s) skipped:\n${lines.join('\n')}`;
}
