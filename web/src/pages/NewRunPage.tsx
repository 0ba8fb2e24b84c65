import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import type { FieldError, ModelSummary } from '../api/types.ts';
import { JsonEditor } from '../components/JsonEditor.tsx';
import { SummaryTable } from '../components/SummaryTable.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { SEED_MNIST_SPEC } from '../lib/seed-spec.ts';
import { href, navigate } from '../lib/router.ts';
import { useReadyDatasets } from '../lib/use-api.ts';

const initialText = () => JSON.stringify(SEED_MNIST_SPEC, null, 2);

/** Where a JSON.parse error is, as a field error on line N. */
function parseError(text: string, error: Error): FieldError {
  const at = /position (\d+)/.exec(error.message);
  const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
  return { path: 'body', message: `not valid JSON${line ? ` (line ${line})` : ''}: ${error.message}`, line };
}

/** Write a run spec (the seed's MNIST CNN to start from), check it with a dry run, submit it. */
export function NewRunPage() {
  const [text, setText] = useState(initialText);
  const { datasets, error: listError } = useReadyDatasets();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const [summary, setSummary] = useState<ModelSummary>();
  const [busy, setBusy] = useState(false);

  const parsed = (): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      setErrors([parseError(text, e as Error)]);
      return undefined;
    }
  };
  const currentDataset = (() => {
    try {
      return String((JSON.parse(text) as { dataset?: { id?: string } }).dataset?.id ?? '');
    } catch {
      return '';
    }
  })();
  const pickDataset = (id: string) => {
    const spec = parsed();
    if (!spec) return;
    const dataset = { ...((spec.dataset as object | undefined) ?? {}) } as Record<string, unknown>;
    delete dataset.inline;
    spec.dataset = { ...dataset, id };
    setText(JSON.stringify(spec, null, 2));
  };

  const send = async (dryRun: boolean) => {
    const spec = parsed();
    if (!spec) return;
    setBusy(true);
    setErrors([]);
    setProblem(undefined);
    try {
      if (dryRun) {
        const answer = await api<{ summary: ModelSummary }>('POST', '/runs?dryRun=true', spec);
        setSummary(answer.summary);
      } else {
        const created = await api<{ id: string }>('POST', '/runs', spec);
        navigate(href('runs', created.id));
      }
    } catch (e) {
      setSummary(undefined);
      if (e instanceof ApiError && e.details.length) setErrors(e.details);
      else setProblem(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="new-title">
      <div class="page-head">
        <h1 id="new-title">New run</h1>
      </div>
      <form
        class="new-run"
        onSubmit={(e) => {
          e.preventDefault();
          void send(false);
        }}
      >
        <div class="row">
          <label>
            Dataset
            <select name="dataset" value={currentDataset} onChange={(e) => pickDataset(e.currentTarget.value)}>
              <option value="mnist">mnist (built-in)</option>
              {datasets.map((d) => (
                <option value={d.id}>
                  {d.name} ({d.inputShape?.join('×') ?? '?'}, {d.format})
                </option>
              ))}
              {currentDataset && currentDataset !== 'mnist' && !datasets.some((d) => d.id === currentDataset) && (
                <option value={currentDataset}>{currentDataset}</option>
              )}
            </select>
          </label>
          <button
            type="button"
            class="ghost"
            onClick={() => (setText(initialText()), setErrors([]), setSummary(undefined))}
          >
            Reset to the MNIST CNN
          </button>
        </div>
        <JsonEditor id="spec" label="Run spec (JSON)" value={text} onInput={(v) => setText(v)} errors={errors} />
        <ErrorNote error={problem ?? listError} />
        <div class="actions">
          <button type="button" name="dry-run" disabled={busy} onClick={() => send(true)}>
            Dry run
          </button>
          <button type="submit" name="submit" class="primary" disabled={busy}>
            Start run
          </button>
        </div>
      </form>
      {summary && <SummaryTable summary={summary} />}
    </section>
  );
}
