import type { BatchProgress } from '../api/types.ts';
import { formatDuration, formatNumber } from '../lib/format.ts';

/** The current epoch's batches: how far, how fast, how long still. */
export function BatchProgressBar({ progress }: { progress: BatchProgress }) {
  const loss = progress.metrics?.loss;
  return (
    <div class="batch-progress" data-testid="batch-progress">
      <label>
        Epoch {progress.epoch}/{progress.epochs} · batch {progress.batch}/{progress.batches}
        <progress max={progress.batches} value={progress.batch} />
      </label>
      <span>
        {formatNumber(Math.round(progress.samplesPerSec))} samples/s · ETA{' '}
        {formatDuration(progress.etaSeconds === null ? null : progress.etaSeconds * 1000)}
        {typeof loss === 'number' ? ` · loss ${formatNumber(loss)}` : ''}
      </span>
    </div>
  );
}
