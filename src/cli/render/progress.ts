// Keras' `verbose=1` progress display as plain strings, so it can be tested without a terminal:
//   Epoch 1/3
//    12/50 [=====>........................] - ETA: 3s - 640 samples/s - loss: 0.4123 - accuracy: 0.8125
//   50/50 [==============================] - 2s 40ms/step - 800 samples/s - loss: 0.3012 - accuracy: 0.8750 - val_loss: 0.2950 - val_accuracy: 0.9000

const BAR_WIDTH = 30;

/** One training batch as the `batch` run event reports it. */
export interface BatchProgress {
  batch: number;
  batches: number;
  metrics: Record<string, number>;
  samplesPerSec?: number | null;
  etaSeconds?: number | null;
}

/** One finished epoch as the `epoch` run event reports it. */
export interface EpochResult {
  epoch: number;
  epochs?: number;
  metrics: Record<string, number>;
  durationMs: number;
  samplesPerSec?: number | null;
}

/** `Epoch 2/10`, Keras' header line. */
export const epochHeader = (epoch: number, epochs?: number) => `Epoch ${epoch}/${epochs ?? '?'}`;

/** `  12/50 [=====>....]`: Keras' counter (padded to the total's width) and bar. */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const digits = String(total).length;
  const filled = total > 0 ? Math.min(width, Math.floor((width * done) / total)) : 0;
  let bar = '';
  if (filled > 0) bar = '='.repeat(filled - 1) + (done < total ? '>' : '=');
  return `${String(done).padStart(digits)}/${total} [${bar}${'.'.repeat(width - filled)}]`;
}

/** Keras' ETA format: `7s`, `1:05`, `1:01:05`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${two(s % 60)}`;
  return `${s}s`;
}

/** Keras' time per step: `40ms/step`, `2s/step`, `350us/step`. */
export function formatStepTime(secondsPerStep: number): string {
  if (secondsPerStep >= 1) return `${Math.round(secondsPerStep)}s/step`;
  if (secondsPerStep >= 1e-3) return `${Math.round(secondsPerStep * 1e3)}ms/step`;
  return `${Math.round(secondsPerStep * 1e6)}us/step`;
}

/** A metric value as Keras prints it: 4 decimals, or scientific notation when tiny. */
export function formatMetricValue(value: number | null): string {
  // JSON carries a diverged NaN or Infinity as null: Keras prints those as nan.
  if (value === null || Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return Math.abs(value) > 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(4);
}

/** Keras' order: loss, the other training metrics, then val_loss and the other validation metrics. */
export function orderMetrics(metrics: Record<string, number | null>): Array<[string, number | null]> {
  const entries = Object.entries(metrics).filter(([, v]) => typeof v === 'number' || v === null);
  const rank = ([key]: [string, number | null]) =>
    (key.startsWith('val_') ? 2 : 0) + (key === 'loss' || key === 'val_loss' ? 0 : 1);
  return entries
    .map((e, i) => [e, i] as const)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1])
    .map(([e]) => e);
}

/** ` - loss: 0.3012 - accuracy: 0.8750` */
export const formatMetrics = (metrics: Record<string, number | null>) =>
  orderMetrics(metrics)
    .map(([k, v]) => ` - ${k}: ${formatMetricValue(v)}`)
    .join('');

const rate = (samplesPerSec?: number | null) => (samplesPerSec ? ` - ${Math.round(samplesPerSec)} samples/s` : '');

/** The line redrawn after each batch: counter, bar, ETA, samples/s and the running metrics. */
export function batchLine(p: BatchProgress): string {
  const eta = p.batch < p.batches && p.etaSeconds != null ? ` - ETA: ${formatEta(p.etaSeconds)}` : '';
  return `${progressBar(p.batch, p.batches)}${eta}${rate(p.samplesPerSec)}${formatMetrics(p.metrics)}`;
}

/**
 * The line an epoch ends with: the full bar (when the number of batches is known), duration, time
 * per step, samples/s, then every training and validation metric.
 */
export function epochLine(e: EpochResult, batches?: number): string {
  const seconds = e.durationMs / 1000;
  const bar = batches ? `${progressBar(batches, batches)} - ` : '';
  const perStep = batches ? ` ${formatStepTime(seconds / batches)}` : '';
  return `${bar}${Math.round(seconds)}s${perStep}${rate(e.samplesPerSec)}${formatMetrics(e.metrics)}`;
}

/** Cuts a line to the terminal's width, so a redrawn line never wraps (which would break `\r`). */
export function fitWidth(line: string, columns: number | undefined): string {
  if (!columns || line.length < columns) return line;
  return `${line.slice(0, Math.max(0, columns - 2))}…`;
}
