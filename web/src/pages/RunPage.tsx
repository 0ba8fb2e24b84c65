import { useEffect, useMemo, useReducer, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { followRun } from '../api/run-events.ts';
import { isTerminal, type ModelDetail, type RunView } from '../api/types.ts';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { RunCharts } from '../components/RunCharts.tsx';
import { ConfusionMatrix } from '../components/ConfusionMatrix.tsx';
import { BatchProgressBar } from '../components/BatchProgressBar.tsx';
import { formatDuration, formatNumber, formatTime } from '../lib/format.ts';
import { applyEvent, emptyLive, mergeCheckpoints, mergeEpochs } from '../lib/live-run.ts';
import { datasetName } from '../lib/run-metrics.ts';
import { useApi, useDatasetNames } from '../lib/use-api.ts';
import { href, navigate } from '../lib/router.ts';

/** One run: live curves, batch progress, evaluation, checkpoints, spec and log. */
export function RunPage({ id }: { id: string }) {
  const { data: view, error, reload } = useApi<RunView>(`/runs/${encodeURIComponent(id)}`);
  const [live, dispatch] = useReducer(applyEvent, emptyLive);
  const [connected, setConnected] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const datasetNames = useDatasetNames();
  const { data: model } = useApi<ModelDetail>(view?.modelId ? `/models/${view.modelId}` : undefined);

  useEffect(
    () =>
      followRun(
        id,
        (event) => {
          dispatch(event);
          // The final status brings the model id, timings and the stored evaluation.
          if (event.type === 'status' || event.type === 'evaluation') reload();
        },
        setConnected,
      ),
    [id],
  );

  // Live events can arrive before the api has stored their effect (the model it registered): re-read until it has.
  const awaitingModel = (live.status ?? view?.status) === 'succeeded' && view?.status !== undefined && !view.modelId;
  useEffect(() => {
    if (!awaitingModel) return;
    const timer = setTimeout(reload, 700);
    return () => clearTimeout(timer);
  }, [awaitingModel, view]);

  const epochs = useMemo(() => mergeEpochs(view?.epochs ?? [], live.epochs), [view?.epochs, live.epochs]);
  const checkpoints = useMemo(() => mergeCheckpoints(view?.checkpoints ?? [], live.checkpoints), [view?.checkpoints, live.checkpoints]);
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
          <span class={`live-dot ${connected ? 'on' : ''}`} title={connected ? 'following live' : 'not connected'} aria-label={connected ? 'following live events' : 'not following'} />
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
        <a href={`#/runs/${id}`} onClick={(e) => (e.preventDefault(), document.getElementById('curves')?.scrollIntoView())}>
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
          <dd>{view.datasetId && datasetNames[view.datasetId] ? <a href={href('datasets', view.datasetId)}>{datasetName(view.datasetId, datasetNames)}</a> : datasetName(view.datasetId)}</dd>
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
          <dd>{view.startedAt ? formatDuration((view.finishedAt ? Date.parse(view.finishedAt) : Date.now()) - Date.parse(view.startedAt)) : '—'}</dd>
        </div>
        <div>
          <dt>Attempt</dt>
          <dd>{view.attempt}</dd>
        </div>
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
          Curves <span class="muted">({epochs.length} epoch{epochs.length === 1 ? '' : 's'})</span>
        </h2>
        <RunCharts epochs={epochs} />
        <a href={`#/compare?ids=${id}`}>Compare with other runs…</a>
      </section>

      <section id="evaluation" aria-labelledby="evaluation-title">
        <h2 id="evaluation-title">Evaluation</h2>
        {evaluation ? <ConfusionMatrix evaluation={evaluation} labels={model?.labels} /> : <p class="muted">{isTerminal(status) ? 'No evaluation (the spec has no test split).' : 'After training, on the test split.'}</p>}
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
          <p class="muted">None yet.</p>
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
              <time>{new Date(line.time).toLocaleTimeString()}</time> <span class="level">{line.level}</span> {line.message}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
