import type { Prediction } from '../api/types.ts';
import { formatPercent } from '../lib/format.ts';

const isPrediction = (p: unknown): p is Prediction => typeof p === 'object' && p !== null && 'values' in p;

/** The top-k classes of a prediction as bars (one block per output for multi-output models). */
export function PredictionBars({ prediction }: { prediction: Prediction | Record<string, Prediction> }) {
  if (!isPrediction(prediction)) {
    return (
      <>
        {Object.entries(prediction).map(([name, p]) => (
          <div>
            <h3>{name}</h3>
            <PredictionBars prediction={p} />
          </div>
        ))}
      </>
    );
  }
  if (!prediction.topK) {
    return (
      <pre class="code" data-testid="prediction-values">
        {JSON.stringify(prediction.values)}
      </pre>
    );
  }
  return (
    <ol class="predictions" data-testid="predictions" aria-label="Most likely classes">
      {prediction.topK.map((c, i) => (
        <li data-class={c.class} data-confidence={c.confidence} class={i === 0 ? 'top' : undefined}>
          <span class="class-name">{c.label ?? c.class}</span>
          <span
            class="bar"
            role="meter"
            aria-valuemin={0}
            aria-valuemax={1}
            aria-valuenow={c.confidence}
            aria-label={`${c.label ?? c.class}: ${formatPercent(c.confidence)}`}
          >
            <span style={{ width: `${c.confidence * 100}%` }} />
          </span>
          <span class="pct">{formatPercent(c.confidence)}</span>
        </li>
      ))}
    </ol>
  );
}
