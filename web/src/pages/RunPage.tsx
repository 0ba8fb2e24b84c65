import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { followRun } from '../api/run-events.ts';
import { isTerminal, type ModelDetail, type RunStatus, type RunView } from '../api/types.ts';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { RunCharts } from '../components/RunCharts.tsx';
import { ConfusionMatrix } from '../components/ConfusionMatrix.tsx';
import { BatchProgressBar } from '../components/BatchProgressBar.tsx';
import { formatDuration, formatNumber, formatTime } from '../lib/format.ts';
import { applyEvent, emptyLive, mergeCheckpoints, mergeEpochs } from '../lib/live-run.ts';
import { datasetName, evaluatedModel } from '../lib/run-metrics.ts';
import { useApi, useDatasetNames } from '../lib/use-api.ts';
import { href, navigate } from '../lib/router.ts';

/** How far along a run is: its events replay oldest first, so an older status never counts as news. */
const progress = (status: RunStatus) => (status === 'queued' ? 0 : status === 'running' ? 1 : 2);

/** Why a run shows no evaluation (yet). */
function evaluationNote(status: RunStatus, spec: RunView['spec']): string {
  const dataset = (spec as { dataset?: { testSplit?: number; test_split?: number } }).dataset;
  const testSplit = dataset?.testSplit ?? dataset?.test_split;
  if (!isTerminal(status) && evaluatedModel(spec)) return 'Once the model has gone through the dataset.';
  if (!isTerminal(status)) return 'After training, on the test split.';
  if (status !== 'succeeded')
    return `No evaluation: the run ${status === 'failed' ? 'failed' : 'was canceled'} before it.`;
  return testSplit ? 'No evaluation was stored.' : 'No evaluation (the spec has no test split).';
}

/** One run: live curves, batch progress, evaluation, checkpoints, spec and log. */
export function RunPage({ id }: { id: string }) {
  const { data: view, error, reload } = useApi<RunView>(`/runs/${encodeURIComponent(id)}`);
  const [live, dispatch] = useReducer(applyEvent, emptyLive);
  const [connected, setConnected] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const datasetNames = useDatasetNames();
  // The model the run registered, or (a run that only evaluates) the one it evaluates: its labels name the classes.
  const evaluated = view ? evaluatedModel(view.spec) : null;
  const modelRef = view?.modelId ?? evaluated;
  const { data: model } = useApi<ModelDetail>(modelRef ? `/models/${encodeURIComponent(modelRef)}` : undefined);

  // Follow once the run is known to exist: a wrong or deleted id has no stream to wait for.
  const found = view !== undefined;
  useEffect(() => (found ? followRun(id, dispatch, setConnected) : undefined), [id, found]);

  // When the stream moves the run on, the stored run (timings, error and, once it has succeeded, the
  // model it registered: one transaction server-side) is read again at once, then every 700 ms while
  // the api has not stored that status yet. A run that had ended when the page opened replays its
  // events without a single re-read, and one whose model was since deleted waits for nothing.
  const behind = live.status !== undefined && view !== undefined && progress(live.status) > progress(view.status);
  const rereads = useRef(0);
  useEffect(() => {
    if (!behind) {
      rereads.current = 0;
      return;
    }
    const timer = setTimeout(reload, rereads.current++ === 0 ? 0 : 700);
    return () => clearTimeout(timer);
  }, [behind, view]);

  const epochs = useMemo(() => mergeEpochs(view?.epochs ?? [], live.epochs), [view?.epochs, live.epochs]);
  const checkpoints = useMemo(
    () => mergeCheckpoints(view?.checkpoints ?? [], live.checkpoints),
    [view?.checkpoints, live.checkpoints],
  );
  if (error && !view) return <ErrorNote error={error} />;
  if (!view) return <p aria-busy="true">Loading run…</p>;

  const status = live.status ?? view.status;
  const evaluation = view.evaluation ?? live.evaluation;
  const act = async (action: 'cancel' | 'delete') => {
    try {
      if (action === 'cancel') await api('POST', `/runs/${id}/cancel`);
      else if (confirm('Delete this run and its artifacts?')) {
        await api('DELETE', `/runs/${id}`);
        return navigate(href('runs'));
      }
      reload();
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <article class="run" data-run-id={id} data-status={status} aria-labelledby="run-title">
      <div class="page-head">
        <div>
          <h1 id="run-title">{view.name ?? id}</h1>
          <p class="muted mono">{id}</p>
        </div>
        <div class="actions">
          <StatusBadge status={status} />
          <span
            class={`live-dot ${connected ? 'on' : ''}`}
            title={connected ? 'following live' : 'not connected'}
            aria-label={connected ? 'following live events' : 'not following'}
          />
          {!isTerminal(status) && (
            <button type="button" onClick={() => act('cancel')}>
              Cancel
            </button>
          )}
          {isTerminal(status) && (
            <button type="button" class="danger" onClick={() => act('delete')}>
              Delete
            </button>
          )}
        </div>
      </div>
      <ErrorNote error={actionError} />
      <nav class="in-page" aria-label="Run sections">
        <a
          href={`#/runs/${id}`}
          onClick={(e) => (e.preventDefault(), document.getElementById('curves')?.scrollIntoView())}
        >
          Curves
        </a>
        {['evaluation', 'checkpoints', 'spec', 'log'].map((s) => (
          <a href={`#/runs/${id}`} onClick={(e) => (e.preventDefault(), document.getElementById(s)?.scrollIntoView())}>
            {s[0]!.toUpperCase() + s.slice(1)}
          </a>
        ))}
      </nav>
      <dl class="facts">
        <div>
          <dt>Dataset</dt>
          <dd>
            {view.datasetId && datasetNames[view.datasetId] ? (
              <a href={href('datasets', view.datasetId)}>{datasetName(view.datasetId, datasetNames)}</a>
            ) : (
              datasetName(view.datasetId)
            )}
          </dd>
        </div>
        <div>
          <dt>Backend</dt>
          <dd>
            {view.backend ?? '—'}
            {view.device ? ` (${view.device})` : ''}
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(view.createdAt)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>
            {view.startedAt
              ? formatDuration(
                  (view.finishedAt ? Date.parse(view.finishedAt) : Date.now()) - Date.parse(view.startedAt),
                )
              : '—'}
          </dd>
        </div>
        <div>
          <dt>Attempt</dt>
          <dd>{view.attempt}</dd>
        </div>
        {evaluated && (
          <div>
            <dt>Evaluates</dt>
            <dd>
              <a href={href('models', evaluated)} data-testid="evaluated-model-link">
                {model ? `${model.name} v${model.version}` : evaluated.slice(0, 8)}
              </a>
            </dd>
          </div>
        )}
        <div>
          <dt>Model</dt>
          <dd>
            {view.modelId ? (
              <a href={href('models', view.modelId)} data-testid="model-link">
                {model ? `${model.name} v${model.version}` : 'open model'}
              </a>
            ) : (
              '—'
            )}
          </dd>
        </div>
      </dl>
      {view.error && (
        <p class="error-note" role="alert">
          {view.error.code}: {view.error.message}
        </p>
      )}

      {status === 'running' && live.batch && <BatchProgressBar progress={live.batch} />}

      <section id="curves" aria-labelledby="curves-title">
        <h2 id="curves-title">
          Curves{' '}
          <span class="muted">
            ({epochs.length} epoch{epochs.length === 1 ? '' : 's'})
          </span>
        </h2>
        {evaluated && !epochs.length ? (
          <p class="muted">None: this run trains nothing, it evaluates the model as it is.</p>
        ) : (
          <>
            <RunCharts epochs={epochs} />
            <a href={`#/compare?ids=${id}`}>Compare with other runs…</a>
          </>
        )}
      </section>

      <section id="evaluation" aria-labelledby="evaluation-title">
        <h2 id="evaluation-title">Evaluation</h2>
        {evaluation ? (
          <ConfusionMatrix evaluation={evaluation} labels={model?.labels} />
        ) : (
          <p class="muted">{evaluationNote(status, view.spec)}</p>
        )}
      </section>

      <section id="checkpoints" aria-labelledby="checkpoints-title">
        <h2 id="checkpoints-title">Checkpoints</h2>
        {checkpoints.length ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">epoch</th>
                  <th scope="col">kind</th>
                  <th scope="col">monitor</th>
                  <th scope="col">value</th>
                  <th scope="col">saved</th>
                </tr>
              </thead>
              <tbody>
                {checkpoints.map((c) => (
                  <tr>
                    <td>{c.epoch}</td>
                    <td>{c.kind}</td>
                    <td>{c.monitor ?? '—'}</td>
                    <td>{formatNumber(c.value ?? null)}</td>
                    <td>{formatTime(c.createdAt ?? null)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="muted">{evaluated ? 'None: nothing is trained.' : 'None yet.'}</p>
        )}
      </section>

      <section id="spec" aria-labelledby="spec-title">
        <h2 id="spec-title">Spec</h2>
        <pre class="code" tabIndex={0} aria-label="Run spec as JSON">
          {JSON.stringify(view.spec, null, 2)}
        </pre>
      </section>

      <section id="log" aria-labelledby="log-title">
        <h2 id="log-title">Log</h2>
        <ol class="log" aria-live="polite" tabIndex={0} aria-label="Run log">
          {live.logs.map((line) => (
            <li class={`level-${line.level}`}>
              <time>{new Date(line.time).toLocaleTimeString()}</time> <span class="level">{line.level}</span>{' '}
              {line.message}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
