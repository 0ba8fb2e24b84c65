import type { ModelListItem } from '../api/types.ts';
import { ImportModelForm } from '../components/ImportModelForm.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { formatTime } from '../lib/format.ts';
import { useApi } from '../lib/use-api.ts';
import { href, navigate } from '../lib/router.ts';

/** Registered models: every version, grouped by name, with the aliases pointing at it; a form to import one. */
export function ModelsPage() {
  const { data, error } = useApi<{ models: ModelListItem[] }>('/models?limit=200');
  const models = data?.models ?? [];
  const names = [...new Set(models.map((m) => m.name))];
  return (
    <section aria-labelledby="models-title">
      <div class="page-head">
        <h1 id="models-title">Models</h1>
      </div>
      <ImportModelForm onImported={(model) => navigate(href('models', model.id))} />
      <ErrorNote error={error} />
      {data && !models.length && (
        <p class="empty">No models yet: a run that succeeds registers one, or import one above.</p>
      )}
      {names.map((name) => (
        <section class="card" aria-label={name}>
          <h2>{name}</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Aliases</th>
                  <th scope="col">Run</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {models
                  .filter((m) => m.name === name)
                  .map((m) => (
                    <tr data-model-id={m.id}>
                      <td>
                        <a href={href('models', m.id)}>
                          {m.name} v{m.version}
                        </a>
                      </td>
                      <td>{m.aliases.length ? m.aliases.map((a) => <span class="badge alias">@{a}</span>) : '—'}</td>
                      <td>{m.runId ? <a href={href('runs', m.runId)}>{m.runId.slice(0, 8)}</a> : '—'}</td>
                      <td>{formatTime(m.createdAt)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </section>
  );
}
