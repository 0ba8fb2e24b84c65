import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Dataset, DatasetSample } from '../api/types.ts';
import { NamedArrays } from '../components/NamedArrays.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { formatBytes, formatTime } from '../lib/format.ts';
import { samplesToRead } from '../lib/named-arrays.ts';
import { href, navigate } from '../lib/router.ts';
import { useApi } from '../lib/use-api.ts';

/**
 * One dataset: its metadata, a grid of samples (images) or their values, and delete. A dataset of named
 * arrays shows each array and its samples instead.
 */
export function DatasetPage({ id }: { id: string }) {
  const { data: dataset, error, reload } = useApi<Dataset>(`/datasets/${encodeURIComponent(id)}`);
  const [deleteError, setDeleteError] = useState<unknown>();
  const { data: samples, error: samplesError } = useApi<{ samples: DatasetSample[] }>(
    dataset?.status === 'ready'
      ? `/datasets/${encodeURIComponent(id)}/samples?n=${dataset.arrays ? samplesToRead(dataset.arrays) : 48}`
      : undefined,
  );
  useEffect(() => {
    if (dataset?.status !== 'ingesting') return;
    const timer = setTimeout(reload, 1000);
    return () => clearTimeout(timer);
  }, [dataset]);
  if (error) return <ErrorNote error={error} />;
  if (!dataset) return <p aria-busy="true">Loading dataset…</p>;
  const labelOf = (s: DatasetSample) =>
    s.className ??
    (Array.isArray(s.label)
      ? s.label.join(',')
      : s.label !== undefined
        ? (dataset.classes?.[s.label] ?? String(s.label))
        : '');
  const named = dataset.arrays;
  const images = named ? [] : (samples?.samples.filter((s) => typeof s.image === 'string') ?? []);
  // The api refuses (409) while a queued or running run uses the dataset: its message says so.
  const remove = async () => {
    if (!confirm(`Delete dataset ${dataset.name} and its files?`)) return;
    try {
      await api('DELETE', `/datasets/${encodeURIComponent(dataset.id)}`);
      navigate(href('datasets'));
    } catch (err) {
      setDeleteError(err);
    }
  };

  return (
    <article aria-labelledby="dataset-title">
      <div class="page-head">
        <h1 id="dataset-title">{dataset.name}</h1>
        <div class="actions">
          <span class={`badge status-${dataset.status}`}>{dataset.status}</span>
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        </div>
      </div>
      <ErrorNote error={deleteError} />
      {dataset.error && <p class="error-note">{dataset.error}</p>}
      <dl class="facts">
        <div>
          <dt>Format</dt>
          <dd>{dataset.format}</dd>
        </div>
        <div>
          <dt>Samples</dt>
          <dd>
            {dataset.samples
              ? Object.entries(dataset.samples)
                  .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
                  .join(', ')
              : '—'}
          </dd>
        </div>
        {named ? (
          <div>
            <dt>Arrays</dt>
            <dd>
              {Object.keys(named)
                .sort((a, b) => a.localeCompare(b))
                .join(', ')}
            </dd>
          </div>
        ) : (
          <>
            <div>
              <dt>Input</dt>
              <dd>
                {dataset.inputShape?.join('×') ?? '—'} {dataset.dtype ?? ''}
              </dd>
            </div>
            <div>
              <dt>Labels</dt>
              <dd>{dataset.classes ? dataset.classes.join(', ') : (dataset.labelKind ?? '—')}</dd>
            </div>
          </>
        )}
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(dataset.sizeBytes)}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(dataset.createdAt)}</dd>
        </div>
        <div class="wide">
          <dt>sha256</dt>
          <dd class="mono">{dataset.sha256 ?? '—'}</dd>
        </div>
        <div class="wide">
          <dt>id</dt>
          <dd class="mono">{dataset.id}</dd>
        </div>
      </dl>
      <ErrorNote error={samplesError} />
      {named && <NamedArrays arrays={named} samples={samples?.samples.map((s) => s.arrays ?? {})} />}
      {images.length > 0 && (
        <section aria-labelledby="samples-title">
          <h2 id="samples-title">Samples</h2>
          <ul class="sample-grid" data-testid="sample-grid">
            {images.map((s, i) => (
              <li>
                <img src={s.image} alt={`sample ${i + 1}, label ${labelOf(s)}`} width={56} height={56} />
                <span>{labelOf(s)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {samples && !named && !images.length && samples.samples.length > 0 && (
        <section aria-labelledby="samples-title">
          <h2 id="samples-title">Samples</h2>
          <pre class="code" tabIndex={0}>
            {samples.samples.map((s) => JSON.stringify(s)).join('\n')}
          </pre>
        </section>
      )}
    </article>
  );
}
