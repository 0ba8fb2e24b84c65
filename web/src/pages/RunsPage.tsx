import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { followAllRuns } from '../api/run-events.ts';
import { isTerminal, RUN_STATUSES, type RunListItem } from '../api/types.ts';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { formatDuration, formatTime } from '../lib/format.ts';
import { datasetName } from '../lib/run-metrics.ts';
import { href, navigate } from '../lib/router.ts';
import { useDatasetNames } from '../lib/use-api.ts';

/** Every run, newest first, with live status; filter, cancel, delete, pick runs to compare. */
export function RunsPage() {
  const [status, setStatus] = useState('');
  const [nameFilter, setNameFilter] = useState('');
  const [runs, setRuns] = useState<RunListItem[]>([]);
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [now, setNow] = useState(Date.now());
  const datasetNames = useDatasetNames();
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const loadList = async () => {
    try {
      const list = await api<{ runs: RunListItem[] }>('GET', `/runs?limit=100${status ? `&status=${status}` : ''}`);
      setRuns(list.runs);
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  };
  /**
   * Coalesces a burst of events for one key into one reload, at most `ms` after the burst's first
   * event. Restarting the timer on every event instead starved the table while a run reported
   * epochs several times a second: no reload came until the events paused.
   */
  const soon = (key: string, fn: () => void, ms = 300) => {
    if (timers.current.has(key)) return;
    timers.current.set(
      key,
      setTimeout(() => {
        timers.current.delete(key);
        fn();
      }, ms),
    );
  };
  useEffect(() => () => timers.current.forEach((t) => clearTimeout(t)), []);

  useEffect(() => void loadList(), [status]);
  useEffect(
    () =>
      followAllRuns(
        (event) => {
          // Each list entry carries its dataset and best metric: one list request per burst of events.
          if (event.type === 'status') soon('list', loadList);
          if (event.type === 'epoch') soon('list', loadList, 500);
        },
        () => void loadList(),
      ),
    [status],
  );
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  const shown = useMemo(
    () => runs.filter((r) => !nameFilter || (r.name ?? r.id).toLowerCase().includes(nameFilter.toLowerCase())),
    [runs, nameFilter],
  );

  const act = async (run: RunListItem, action: 'cancel' | 'delete') => {
    if (action === 'delete' && !confirm(`Delete run ${run.name ?? run.id} and its artifacts?`)) return;
    try {
      if (action === 'cancel') await api('POST', `/runs/${run.id}/cancel`);
      else {
        await api('DELETE', `/runs/${run.id}`);
        setSelected((s) => new Set([...s].filter((id) => id !== run.id))); // nothing left to compare
      }
      await loadList();
    } catch (e) {
      setError(e);
    }
  };
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section aria-labelledby="runs-title">
      <div class="page-head">
        <h1 id="runs-title">Runs</h1>
        <div class="actions">
          <button
            type="button"
            disabled={selected.size < 2}
            onClick={() => navigate(`#/compare?ids=${[...selected].join(',')}`)}
          >
            Compare {selected.size >= 2 ? `(${selected.size})` : ''}
          </button>
          <a class="button" href={href('new')}>
            New run
          </a>
        </div>
      </div>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">all</option>
            {RUN_STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input
            name="name"
            type="search"
            placeholder="filter by name"
            value={nameFilter}
            onInput={(e) => setNameFilter(e.currentTarget.value)}
          />
        </label>
      </form>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="runs" aria-label="Runs">
          <thead>
            <tr>
              <th scope="col">
                <span class="sr-only">Compare</span>
              </th>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Dataset</th>
              <th scope="col" class="wide-only">
                Backend
              </th>
              <th scope="col">Best metric</th>
              <th scope="col">Duration</th>
              <th scope="col" class="wide-only">
                Created
              </th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => {
              const best = run.best;
              const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
              return (
                <tr data-run-id={run.id} data-status={run.status}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare ${run.name ?? run.id}`}
                      checked={selected.has(run.id)}
                      onChange={() => toggle(run.id)}
                    />
                  </td>
                  <td>
                    <a href={href('runs', run.id)}>{run.name ?? run.id.slice(0, 8)}</a>
                  </td>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td>{datasetName(run.datasetId, datasetNames)}</td>
                  <td class="wide-only">{run.backend ?? '—'}</td>
                  <td>{best ? `${best.name} ${best.value.toFixed(4)}` : '—'}</td>
                  <td>{run.startedAt ? formatDuration(end - Date.parse(run.startedAt)) : '—'}</td>
                  <td class="wide-only">{formatTime(run.createdAt)}</td>
                  <td class="row-actions">
                    {!isTerminal(run.status) && (
                      <button
                        type="button"
                        class="small"
                        aria-label={`Cancel ${run.name ?? run.id}`}
                        onClick={() => act(run, 'cancel')}
                      >
                        Cancel
                      </button>
                    )}
                    {isTerminal(run.status) && (
                      <button
                        type="button"
                        class="small danger"
                        aria-label={`Delete ${run.name ?? run.id}`}
                        onClick={() => act(run, 'delete')}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {!shown.length && <p class="empty">No runs{status || nameFilter ? ' match' : ' yet'}.</p>}
      </div>
    </section>
  );
}
