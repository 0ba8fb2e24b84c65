import type { Evaluation } from '../api/types.ts';
import { formatPercent } from '../lib/format.ts';

const labelOf = (labels: string[] | null | undefined, c: number) => labels?.[c] ?? String(c);

/**
 * The evaluation's confusion matrix as a heat map (rows: true class, columns: predicted), each
 * cell shaded by its share of its row, with the counts printed; then per-class precision and recall.
 */
export function ConfusionMatrix({ evaluation, labels }: { evaluation: Evaluation; labels?: string[] | null }) {
  const confusion = evaluation.confusion ?? [];
  return (
    <div class="evaluation">
      <dl class="facts">
        {Object.entries(evaluation.metrics ?? {}).map(([k, v]) => (
          <div>
            <dt>{k}</dt>
            <dd>{typeof v === 'number' ? v.toFixed(4) : String(v)}</dd>
          </div>
        ))}
      </dl>
      {confusion.length > 0 && (
        <div class="table-wrap">
          <table
            class="confusion"
            data-testid="confusion-matrix"
            aria-label="Confusion matrix: rows are true classes, columns predicted classes"
          >
            <thead>
              <tr>
                <th scope="col" class="corner">
                  true ↓ / predicted →
                </th>
                {confusion.map((_, c) => (
                  <th scope="col">{labelOf(labels, c)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {confusion.map((row, t) => {
                const total = row.reduce((a, b) => a + b, 0) || 1;
                return (
                  <tr>
                    <th scope="row">{labelOf(labels, t)}</th>
                    {row.map((count, p) => {
                      const share = count / total;
                      return (
                        <td
                          class={t === p ? 'diagonal' : undefined}
                          style={{ '--share': `${Math.round(share * 100)}%` }}
                          data-count={count}
                          title={`true ${labelOf(labels, t)}, predicted ${labelOf(labels, p)}: ${count} (${formatPercent(share)} of the row)`}
                        >
                          {count}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {evaluation.perClass && evaluation.perClass.length > 0 && (
        <div class="table-wrap">
          <table class="per-class" data-testid="per-class">
            <thead>
              <tr>
                <th scope="col">class</th>
                <th scope="col">precision</th>
                <th scope="col">recall</th>
                <th scope="col">support</th>
              </tr>
            </thead>
            <tbody>
              {evaluation.perClass.map((c) => (
                <tr>
                  <th scope="row">{labelOf(labels, c.class)}</th>
                  <td>
                    <Meter value={c.precision} />
                  </td>
                  <td>
                    <Meter value={c.recall} />
                  </td>
                  <td>{c.support}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** A number in [0, 1] as a bar with its percentage. */
export const Meter = ({ value, label }: { value: number; label?: string }) => (
  <span class="meter" role="meter" aria-valuemin={0} aria-valuemax={1} aria-valuenow={value} aria-label={label}>
    <span class="meter-bar" style={{ width: `${Math.max(0, Math.min(1, value)) * 100}%` }} />
    <span class="meter-text">{formatPercent(value)}</span>
  </span>
);
