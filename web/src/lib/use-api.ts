import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Dataset } from '../api/types.ts';

/** GETs a path; `reload` fetches it again. Keeps the last data while reloading. */
export function useApi<T>(path: string | undefined) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>('GET', path)
      .then((d) => live && (setData(d), setError(undefined)))
      .catch((e: unknown) => live && setError(e));
    return () => void (live = false);
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload, setData };
}

/** Registered datasets' names by id, for showing runs' datasets by name. */
export function useDatasetNames(): Record<string, string> {
  const { data } = useApi<{ datasets: Array<{ id: string; name: string }> }>('/datasets');
  return Object.fromEntries((data?.datasets ?? []).map((d) => [d.id, d.name]));
}

/** The datasets a run can use now (ingested), for a picker; `error` if they could not be listed. */
export function useReadyDatasets(): { datasets: Dataset[]; error: unknown } {
  const { data, error } = useApi<{ datasets: Dataset[] }>('/datasets');
  return { datasets: (data?.datasets ?? []).filter((d) => d.status === 'ready'), error };
}
