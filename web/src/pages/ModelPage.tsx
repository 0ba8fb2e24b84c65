import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { ModelDetail, ModelSource } from '../api/types.ts';
import { EvaluateModelForm } from '../components/EvaluateModelForm.tsx';
import { ModelDownload } from '../components/ModelDownload.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { TryModel } from '../components/TryModel.tsx';
import { formatNumber, formatTime } from '../lib/format.ts';
import { useApi } from '../lib/use-api.ts';
import { href, navigate } from '../lib/router.ts';

const shapeText = (shape: Array<number | null>) => `(${shape.map((d) => (d === null ? 'None' : d)).join(', ')})`;

/** Where a version came from when no run's training registered it: the imported file, or a run's checkpoint. */
function Source({ source }: { source: ModelSource }) {
  if (source.kind === 'checkpoint')
    return (
      <>
        {source.checkpoint} checkpoint of run <a href={href('runs', source.runId)}>{source.runId.slice(0, 8)}</a> (epoch{' '}
        {source.epoch})
      </>
    );
  return (
    <>
      imported from <span class="mono">{source.file}</span> ({source.format}
      {source.kerasVersion ? `, saved by Keras ${source.kerasVersion}` : ''})
    </>
  );
}

/**
 * One model version: signature, labels, source, aliases (point, remove), evaluation, a panel to try it,
 * downloads in each format, an evaluation on a dataset, delete.
 */
export function ModelPage({ id }: { id: string }) {
  const { data: model, error, reload } = useApi<ModelDetail>(`/models/${encodeURIComponent(id)}`);
  const [alias, setAlias] = useState('production');
  const [aliasError, setAliasError] = useState<unknown>();
  const [deleteError, setDeleteError] = useState<unknown>();
  if (error) return <ErrorNote error={error} />;
  if (!model) return <p aria-busy="true">Loading model…</p>;

  const aliasPath = (name: string) => `/models/${encodeURIComponent(model.name)}/aliases/${encodeURIComponent(name)}`;
  const changeAlias = async (request: () => Promise<unknown>) => {
    try {
      await request();
      setAliasError(undefined);
      setDeleteError(undefined); // a refusal because of an alias may no longer hold
      reload();
    } catch (err) {
      setAliasError(err);
    }
  };
  const pointAlias = (e: Event) => {
    e.preventDefault();
    return changeAlias(() => api('PUT', aliasPath(alias), { version: model.version }));
  };
  // The api refuses (409) while an alias points at this version, and says which: shown as it is.
  const deleteVersion = async () => {
    if (!confirm(`Delete ${model.name} v${model.version} and its files?`)) return;
    try {
      await api('DELETE', `/models/${encodeURIComponent(model.id)}`);
      navigate(href('models'));
    } catch (err) {
      setDeleteError(err);
    }
  };

  return (
    <article aria-labelledby="model-title" data-model-id={model.id}>
      <div class="page-head">
        <div>
          <h1 id="model-title">
            {model.name} <span class="muted">v{model.version}</span>
          </h1>
          <p class="muted mono">{model.id}</p>
        </div>
        <div class="actions">
          {model.aliases.map((a) => (
            <span class="badge alias">
              @{a}
              <button
                type="button"
                class="badge-remove"
                aria-label={`Remove @${a}`}
                title={`Remove @${a}`}
                onClick={() => changeAlias(() => api('DELETE', aliasPath(a)))}
              >
                ×
              </button>
            </span>
          ))}
          <span class={`badge serving-${model.serving}`} title="whether the model is loaded for serving">
            {model.serving}
          </span>
          <button type="button" class="danger" onClick={deleteVersion}>
            Delete v{model.version}
          </button>
        </div>
      </div>
      <ErrorNote error={deleteError} />
      <div class="two-columns">
        <section class="card" aria-labelledby="try-title">
          <h2 id="try-title">Try it</h2>
          {/* A first prediction loads the model: re-read it then, so the serving badge says so. */}
          <TryModel model={model} onPredicted={model.serving === 'ready' ? undefined : reload} />
        </section>
        <section aria-labelledby="about-title">
          <h2 id="about-title">About</h2>
          <dl class="facts">
            {model.source ? (
              <div class="wide" data-testid="model-source">
                <dt>Source</dt>
                <dd>
                  <Source source={model.source} />
                </dd>
              </div>
            ) : (
              <div>
                <dt>Source run</dt>
                <dd>{model.runId ? <a href={href('runs', model.runId)}>{model.runId.slice(0, 8)}</a> : '—'}</dd>
              </div>
            )}
            <div>
              <dt>Created</dt>
              <dd>{formatTime(model.createdAt)}</dd>
            </div>
            {model.signature.inputs.map((t) => (
              <div>
                <dt>input {t.name}</dt>
                <dd>
                  {shapeText(t.shape)} {t.dtype}
                </dd>
              </div>
            ))}
            {model.signature.outputs.map((t) => (
              <div>
                <dt>output {t.name}</dt>
                <dd>
                  {shapeText(t.shape)} {t.dtype}
                </dd>
              </div>
            ))}
            {model.labels && (
              <div class="wide">
                <dt>Labels</dt>
                <dd>{model.labels.join(', ')}</dd>
              </div>
            )}
            {Object.entries(model.evaluation ?? {}).map(([k, v]) => (
              <div>
                <dt>test {k}</dt>
                <dd>{formatNumber(v)}</dd>
              </div>
            ))}
          </dl>
          <form class="row" onSubmit={pointAlias}>
            <label>
              Alias
              <input
                name="alias"
                required
                value={alias}
                pattern="[A-Za-z][A-Za-z0-9_.\-]*"
                onInput={(e) => setAlias(e.currentTarget.value)}
              />
            </label>
            <button type="submit">
              Point @{alias || '…'} at v{model.version}
            </button>
          </form>
          <ErrorNote error={aliasError} />
          <p class="muted">
            Files: {model.files.join(', ')} · predict at{' '}
            <code>
              /models/{model.name}@{model.version}/predict
            </code>
          </p>
          <ModelDownload model={model} />
        </section>
      </div>
      <section class="card" aria-labelledby="evaluate-title">
        <EvaluateModelForm model={model} onStarted={(run) => navigate(href('runs', run.id))} />
      </section>
    </article>
  );
}
