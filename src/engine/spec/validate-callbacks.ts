import type { Issue } from '../../domain/errors.ts';
import { metricKey, reportedMetricName, type OutputHead } from '../training/heads.ts';
import { METRIC_ALIASES } from '../../domain/run-spec/normalize.ts';
import type { CallbacksSpec } from '../../domain/run-spec/schema.ts';

/**
 * The keys of every epoch's logs, exactly as the training loop writes them (batch-trainer.ts's
 * PassAccumulator.logs, keys from heads.ts's metricKey): `loss`; `<output>_loss` per output when
 * there are several; each compiled metric under its name (`accuracy`, or `<output>_accuracy`); and
 * all of these again with `val_` when the run has validation data.
 */
export function epochLogKeys(heads: OutputHead[], hasValidation: boolean): string[] {
  const keys = ['loss'];
  if (heads.length > 1) for (const head of heads) keys.push(metricKey(head, 'loss', heads));
  for (const head of heads) for (const metric of head.metricNames) keys.push(metricKey(head, metric, heads));
  const unique = [...new Set(keys)];
  return hasValidation ? [...unique, ...unique.map((k) => `val_${k}`)] : unique;
}

/** The available key a spelling such as `val_acc`, `out_mean_squared_error` or `val_categoricalAccuracy` stands for, if any. */
function suggestion(monitor: string, available: string[]): string | undefined {
  const snake = reportedMetricName(monitor);
  if (available.includes(snake)) return snake;
  for (const [keras, kiln] of Object.entries(METRIC_ALIASES)) {
    if (monitor === keras || monitor.endsWith(`_${keras}`)) {
      const candidate = reportedMetricName(monitor.slice(0, monitor.length - keras.length) + kiln);
      if (available.includes(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Every monitor must be a key the epoch logs will hold: the callbacks only log "not available;
 * skipping" each epoch otherwise, and the run ends as if they had not been asked for. EarlyStopping
 * and ReduceLROnPlateau always watch their monitor (Keras' default `val_loss`); ModelCheckpoint only
 * with saveBestOnly, so its default is checked only then (a name given explicitly always is).
 */
export function checkCallbackMonitors(
  callbacks: CallbacksSpec | undefined,
  heads: OutputHead[],
  hasValidation: boolean,
): Issue[] {
  if (!callbacks || heads.length === 0) return [];
  const available = epochLogKeys(heads, hasValidation);
  const watched: Array<[string, { monitor?: string } | undefined, boolean]> = [
    ['earlyStopping', callbacks.earlyStopping, true],
    ['reduceLROnPlateau', callbacks.reduceLROnPlateau, true],
    ['modelCheckpoint', callbacks.modelCheckpoint, callbacks.modelCheckpoint?.saveBestOnly === true],
  ];
  const issues: Issue[] = [];
  for (const [name, options, usesDefault] of watched) {
    if (!options || (options.monitor === undefined && !usesDefault)) continue;
    const monitor = options.monitor ?? 'val_loss';
    if (available.includes(monitor)) continue;
    const given =
      options.monitor === undefined ? `monitors "val_loss" by default (as in Keras)` : `monitors "${monitor}"`;
    const noValidation = monitor.startsWith('val_') && !hasValidation;
    const why = noValidation
      ? "but the run has no validation data: set fit.validationSplit (or the dataset's validationSplit), or monitor a training metric"
      : `which the run does not report${suggestion(monitor, available) ? ` (Kiln reports it as "${suggestion(monitor, available)}")` : ''}`;
    issues.push({
      path: `callbacks.${name}.monitor`,
      message: `${name} ${given}, ${why}; available: ${available.join(', ')}`,
    });
  }
  return issues;
}
