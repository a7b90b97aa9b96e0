// Percentiles of latency samples, rounded for a results file.

/** The p-th percentile (0–100) of samples sorted ascending (nearest rank); NaN when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

export interface LatencySummary {
  n: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

export function summarize(samples: number[]): LatencySummary {
  const s = Float64Array.from(samples).sort();
  const a = Array.from(s);
  return { n: a.length, p50_ms: round(percentile(a, 50)), p95_ms: round(percentile(a, 95)), p99_ms: round(percentile(a, 99)), max_ms: round(a[a.length - 1] ?? NaN) };
}
