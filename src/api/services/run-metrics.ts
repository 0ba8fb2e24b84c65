import { resolveMode } from '../../engine/callbacks/monitor.ts';
import { reportedMetricName } from '../../engine/training/heads.ts';

/**
 * The metric a run is judged by and its best value so far: the first compiled metric (the spec's
 * compile.metrics, when a list) on validation, else on training, else val_loss, else loss. Better
 * is decided as the callbacks' mode 'auto' does (higher for accuracy-like metrics, lower for losses
 * and errors such as mae and mse). Null before the first epoch.
 */
export function bestMetric(
  compiledMetrics: unknown,
  epochs: { metrics: unknown }[],
): { name: string; value: number } | null {
  const rows = epochs.map((e) => e.metrics as Record<string, unknown>);
  const keys = new Set(rows.flatMap((m) => Object.keys(m)));
  const compiled = (Array.isArray(compiledMetrics) ? compiledMetrics : []).map((m) => reportedMetricName(String(m)));
  const name = [...compiled.flatMap((m) => [`val_${m}`, m]), 'val_loss', 'loss'].find((k) => keys.has(k));
  if (!name) return null;
  const values = rows.map((m) => m[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!values.length) return null;
  return { name, value: resolveMode(name, 'auto') === 'min' ? Math.min(...values) : Math.max(...values) };
}
