import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import type { CreatedRun, FieldError, ModelDetail } from '../api/types.ts';
import { errorsOf, errorsOfNone } from '../lib/field-errors.ts';
import { useReadyDatasets } from '../lib/use-api.ts';
import { describedBy, FieldErrors } from './FieldErrors.tsx';
import { ErrorNote } from './Notice.tsx';

/** The form's fields by the path the api names them with. */
const FIELDS = { dataset: 'dataset', limit: 'dataset.limit', batchSize: 'batchSize' } as const;

/**
 * Evaluate a model version on a dataset (POST /models/:id/evaluate): a run that trains nothing and
 * stores loss, metrics and, for classifiers, the confusion matrix. Answers the new run to the caller.
 */
export function EvaluateModelForm({ model, onStarted }: { model: ModelDetail; onStarted: (run: CreatedRun) => void }) {
  const { datasets, error: listError } = useReadyDatasets();
  const [values, setValues] = useState({ dataset: '', limit: '', batchSize: '' });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const set = (field: keyof typeof values) => (e: { currentTarget: { value: string } }) =>
    setValues({ ...values, [field]: e.currentTarget.value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors([]);
    setProblem(undefined);
    const number = (v: string) => (v.trim() ? Number(v) : undefined);
    try {
      const run = await api<CreatedRun>('POST', `/models/${encodeURIComponent(model.id)}/evaluate`, {
        dataset: { id: values.dataset, limit: number(values.limit) },
        batchSize: number(values.batchSize),
      });
      onStarted(run);
    } catch (err) {
      if (err instanceof ApiError && err.details.length) setErrors(err.details);
      else setProblem(err);
    } finally {
      setBusy(false);
    }
  };

  const id = (field: keyof typeof FIELDS) => `evaluate-${field}-errors`;
  // The dataset's errors (`dataset.id`, …) but for those of its limit, which has a field of its own.
  const errs = (field: keyof typeof FIELDS) =>
    errorsOf(errors, FIELDS[field]).filter((e) => field !== 'dataset' || !errorsOf([e], FIELDS.limit).length);
  const number = (field: 'limit' | 'batchSize', label: string) => (
    <div class="field">
      <label>
        {label}
        <input
          name={field}
          type="number"
          min={1}
          step={1}
          inputMode="numeric"
          value={values[field]}
          onInput={set(field)}
          {...describedBy(id(field), errs(field))}
        />
      </label>
      <FieldErrors id={id(field)} errors={errs(field)} />
    </div>
  );

  return (
    <form class="evaluate-model" onSubmit={submit}>
      <h2 id="evaluate-title">Evaluate</h2>
      <p class="hint">
        Loss and metrics of v{model.version} on a dataset, and for a classifier its confusion matrix: a run that trains
        nothing. Give the rows as the dataset holds them; the model applies its own preprocessing.
      </p>
      <div class="row form-fields">
        <div class="field">
          <label>
            Dataset
            <select
              name="dataset"
              required
              value={values.dataset}
              onChange={set('dataset')}
              {...describedBy(id('dataset'), errs('dataset'))}
            >
              <option value="">Choose a dataset…</option>
              {datasets.map((d) => (
                <option value={d.id}>
                  {d.name} ({d.inputShape?.join('×') ?? '?'}, {d.format})
                </option>
              ))}
              <option value="mnist">mnist (built-in)</option>
            </select>
          </label>
          <FieldErrors id={id('dataset')} errors={errs('dataset')} />
        </div>
        {number('limit', 'Rows (optional: the first N)')}
        {number('batchSize', 'Batch size (optional)')}
      </div>
      <FieldErrors id="evaluate-other-errors" errors={errorsOfNone(errors, Object.values(FIELDS))} paths />
      <ErrorNote error={problem ?? listError} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !values.dataset}>
          {busy ? 'Starting…' : 'Evaluate'}
        </button>
      </div>
    </form>
  );
}
