import type { ModelSummary } from '../api/types.ts';
import { formatNumber } from '../lib/format.ts';

/** Keras prints shapes with the batch axis first, as None: (None, 26, 26, 32). */
const kerasShape = (shape: unknown) =>
  Array.isArray(shape)
    ? `(${['None', ...shape.map((d) => (d === null ? 'None' : String(d)))].join(', ')})`
    : String(shape);

/** The Keras `model.summary()` table of a dry run. */
export function SummaryTable({ summary }: { summary: ModelSummary }) {
  const connected = summary.layers.some((l) => l.inputs !== undefined);
  return (
    <div class="summary" data-testid="model-summary">
      <h3>Model: "{summary.name}"</h3>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Layer (type)</th>
              <th scope="col">Output Shape</th>
              <th scope="col" class="num">
                Param #
              </th>
              {connected && <th scope="col">Connected to</th>}
            </tr>
          </thead>
          <tbody>
            {summary.layers.map((l) => (
              <tr>
                <td>
                  {l.name} ({l.type})
                </td>
                <td>{kerasShape(l.outputShape)}</td>
                <td class="num">{formatNumber(l.params)}</td>
                {connected && (
                  <td>
                    {(l.inputs ?? []).join(', ')}
                    {l.sharesWeightsWith ? ` (shares ${l.sharesWeightsWith})` : ''}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="totals">
        Total params: <strong data-testid="total-params">{formatNumber(summary.totalParams)}</strong> · Trainable:{' '}
        {formatNumber(summary.trainableParams)} · Non-trainable: {formatNumber(summary.nonTrainableParams)}
      </p>
    </div>
  );
}
