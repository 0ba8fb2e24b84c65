import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { ModelDetail, Prediction } from '../api/types.ts';
import { DrawPad } from './DrawPad.tsx';
import { PredictionBars } from './PredictionBars.tsx';
import { ErrorNote } from './Notice.tsx';
import { isDigitInput } from '../lib/mnist-input.ts';

const TOP_K = 5;

/** A zero-filled example of one row of an input, for the JSON box. */
function zeros(shape: Array<number | null>): unknown {
  const [first, ...rest] = shape;
  if (first === undefined) return 0;
  return Array.from({ length: first ?? 1 }, () => zeros(rest));
}

/**
 * Sends inputs to /models/:id/predict and shows the answer: a drawing pad for 28×28 grayscale
 * image models, a JSON box for every model. `onPredicted` runs after each answer (the page re-reads
 * the model: a first prediction loads it for serving).
 */
export function TryModel({ model, onPredicted }: { model: ModelDetail; onPredicted?: () => void }) {
  const input = model.signature.inputs[0]!;
  const drawable = model.signature.inputs.length === 1 && isDigitInput(input.shape);
  const example =
    model.signature.inputs.length === 1
      ? { instances: [zeros(input.shape.slice(1))] }
      : { instances: [Object.fromEntries(model.signature.inputs.map((i) => [i.name, zeros(i.shape.slice(1))]))] };
  const [json, setJson] = useState(JSON.stringify(example));
  const [prediction, setPrediction] = useState<Prediction | Record<string, Prediction>>();
  const [error, setError] = useState<unknown>();
  const [pending, setPending] = useState(0);

  const predict = async (body: Record<string, unknown>) => {
    setPending((n) => n + 1);
    try {
      const answer = await api<{ predictions: Array<Prediction | Record<string, Prediction>> }>(
        'POST',
        `/models/${encodeURIComponent(model.id)}/predict`,
        { ...body, topK: TOP_K },
      );
      setPrediction(answer.predictions[0]);
      setError(undefined);
      onPredicted?.();
    } catch (e) {
      setError(e);
    } finally {
      setPending((n) => n - 1);
    }
  };

  return (
    <div class="try">
      {drawable && <DrawPad onImage={(b64) => predict({ instances: [{ b64 }] })} />}
      <details open={!drawable}>
        <summary>{drawable ? 'Or send JSON' : 'Instances (JSON)'}</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            try {
              void predict(JSON.parse(json) as Record<string, unknown>);
            } catch (err) {
              setError(new Error(`not valid JSON: ${(err as Error).message}`));
            }
          }}
        >
          <label for="instances" class="sr-only">
            Request body
          </label>
          <textarea
            id="instances"
            name="instances"
            rows={6}
            spellcheck={false}
            value={json}
            onInput={(e) => setJson(e.currentTarget.value)}
          />
          <button type="submit">Predict</button>
        </form>
      </details>
      <ErrorNote error={error} />
      <div aria-live="polite" aria-busy={pending > 0}>
        {prediction && <PredictionBars prediction={prediction} />}
      </div>
    </div>
  );
}
