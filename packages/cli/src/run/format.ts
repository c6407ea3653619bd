/** `1m05s`, `42s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/** A fraction as a percentage with two decimals, or `-`. */
export function pct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(2)}%`;
}
