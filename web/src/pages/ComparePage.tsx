import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { followRun } from '../api/run-events.ts';
import { isTerminal, type RunEvent, type RunListItem, type RunStatus, type RunView } from '../api/types.ts';
import { Chart } from '../components/Chart.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { mergeEpochs } from '../lib/live-run.ts';
import { metricNames } from '../lib/run-metrics.ts';
import { href, navigate } from '../lib/router.ts';

/** Two or more runs' curves of one metric on one chart, epoch by epoch. */
export function ComparePage({ ids }: { ids: string[] }) {
  const [views, setViews] = useState<RunView[]>([]);
  const [recent, setRecent] = useState<RunListItem[]>([]);
  const [error, setError] = useState<unknown>();
  /** Runs of the address that could not be read (deleted, or a wrong id): named, each with a Remove. */
  const [missing, setMissing] = useState<{ id: string; error: unknown }[]>([]);
  const [metric, setMetric] = useState('');

  useEffect(() => {
    let live = true;
    const stops: (() => void)[] = [];
    const read = (id: string) => api<RunView>('GET', `/runs/${encodeURIComponent(id)}`);
    const update = (id: string, change: (view: RunView) => RunView) =>
      live && setViews((vs) => vs.map((v) => (v.id === id ? change(v) : v)));
    // The stream can be ahead of the database (the api stores what it relays), so a read right after
    // the final status may still say running: read until it agrees, keeping what the stream told.
    const readFinal = async (id: string, tries = 20): Promise<void> => {
      const view = await read(id);
      if (!isTerminal(view.status) && tries > 1) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (live) return readFinal(id, tries - 1);
      }
      update(id, (v) => ({ ...view, status: v.status, epochs: mergeEpochs(view.epochs, v.epochs) }));
    };
    // Runs still training follow their event stream: epochs and status as they come, then one more
    // read once the run ends, for the figures the server works out (its best metric).
    const follow = (id: string) => (event: RunEvent) => {
      if (event.type === 'epoch') update(id, (v) => ({ ...v, epochs: mergeEpochs(v.epochs, [event.data]) }));
      if (event.type !== 'status') return;
      const status = event.data.status as RunStatus;
      update(id, (v) => ({ ...v, status }));
      if (isTerminal(status)) void readFinal(id).catch(() => undefined);
    };
    // One run that cannot be read must not blank the others: each read stands on its own.
    Promise.allSettled(ids.map(read))
      .then((results) => {
        if (!live) return;
        const loaded = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        setViews(loaded);
        setMissing(results.flatMap((r, k) => (r.status === 'rejected' ? [{ id: ids[k]!, error: r.reason }] : [])));
        for (const view of loaded) if (!isTerminal(view.status)) stops.push(followRun(view.id, follow(view.id)));
      })
      .catch((e) => live && setError(e));
    api<{ runs: RunListItem[] }>('GET', '/runs?limit=50')
      .then((r) => live && setRecent(r.runs))
      .catch(() => undefined);
    return () => {
      live = false;
      for (const stop of stops) stop();
    };
  }, [ids.join(',')]);

  const names = useMemo(() => [...new Set(views.flatMap((v) => metricNames(v.epochs)))], [views]);
  const chosen = metric || (names.includes('val_loss') ? 'val_loss' : (names[0] ?? 'loss'));
  const data = useMemo(() => {
    const xs = [...new Set(views.flatMap((v) => v.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
    return [xs, ...views.map((v) => xs.map((x) => v.epochs.find((e) => e.epoch === x)?.metrics[chosen] ?? null))];
  }, [views, chosen]);
  const series = useMemo(() => views.map((v) => ({ label: v.name ?? v.id.slice(0, 8) })), [views]);
  const setIds = (next: string[]) => navigate(`#/compare?ids=${next.join(',')}`);

  return (
    <section aria-labelledby="compare-title">
      <div class="page-head">
        <h1 id="compare-title">Compare runs</h1>
        <label>
          Metric
          <select value={chosen} onChange={(e) => setMetric(e.currentTarget.value)}>
            {names.map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={error} />
      {missing.map((m) => (
        <div class="row" data-missing-run={m.id}>
          <ErrorNote error={m.error} />
          <button type="button" class="small ghost" onClick={() => setIds(ids.filter((id) => id !== m.id))}>
            Remove
          </button>
        </div>
      ))}
      {views.length > 0 && (
        <Chart name="compare" title={`${chosen} by epoch`} xLabel="epoch" series={series} data={data} />
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Epochs</th>
              <th scope="col">Best</th>
              <th scope="col">
                <span class="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {views.map((v) => {
              const best = v.best;
              return (
                <tr>
                  <td>
                    <a href={href('runs', v.id)}>{v.name ?? v.id.slice(0, 8)}</a>
                  </td>
                  <td>
                    <StatusBadge status={v.status} />
                  </td>
                  <td>{v.epochs.length}</td>
                  <td>{best ? `${best.name} ${best.value.toFixed(4)}` : '—'}</td>
                  <td>
                    <button type="button" class="small ghost" onClick={() => setIds(ids.filter((id) => id !== v.id))}>
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <label>
        Add a run
        <select onChange={(e) => e.currentTarget.value && setIds([...ids, e.currentTarget.value])} value="">
          <option value="">choose…</option>
          {recent
            .filter((r) => !ids.includes(r.id))
            .map((r) => (
              <option value={r.id}>
                {r.name ?? r.id.slice(0, 8)} ({r.status})
              </option>
            ))}
        </select>
      </label>
    </section>
  );
}
