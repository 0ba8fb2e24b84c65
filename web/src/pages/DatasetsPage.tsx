import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Dataset } from '../api/types.ts';
import { DropZone } from '../components/DropZone.tsx';
import { ErrorNote } from '../components/Notice.tsx';
import { formatBytes, formatTime } from '../lib/format.ts';
import { useApi } from '../lib/use-api.ts';
import { href } from '../lib/router.ts';

/** The input shape, or for a dataset of named arrays each array's name (sorted) and sample shape. */
const shapeText = (d: Dataset) =>
  d.arrays
    ? Object.entries(d.arrays)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, a]) => (a.shape.length ? `${name} ${a.shape.join('×')}` : name))
        .join(', ')
    : d.inputShape
      ? d.inputShape.join('×')
      : '—';
const totalSamples = (d: Dataset) => (d.samples ? Object.values(d.samples).reduce((a, b) => a + b, 0) : null);

/** Registered datasets, and an upload form (drag and drop) whose ingestion progress shows in the list. */
export function DatasetsPage() {
  const { data, error, reload } = useApi<{ datasets: Dataset[] }>('/datasets');
  const datasets = data?.datasets ?? [];
  const ingesting = datasets.some((d) => d.status === 'ingesting');
  // Ingestion runs on a worker: the list is re-read until every dataset has settled.
  useEffect(() => {
    if (!ingesting) return;
    const timer = setTimeout(reload, 1000);
    return () => clearTimeout(timer);
  }, [data]);

  return (
    <section aria-labelledby="datasets-title">
      <div class="page-head">
        <h1 id="datasets-title">Datasets</h1>
      </div>
      <UploadForm onUploaded={reload} />
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table aria-label="Datasets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Format</th>
              <th scope="col">Samples</th>
              <th scope="col">Input shape / arrays</th>
              <th scope="col">Classes</th>
              <th scope="col">Size</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr data-dataset-id={d.id} data-status={d.status}>
                <td>
                  <a href={href('datasets', d.id)}>{d.name}</a>
                </td>
                <td>
                  <span class={`badge status-${d.status}`} title={d.error ?? undefined}>
                    {d.status}
                  </span>
                </td>
                <td>{d.format}</td>
                <td>{totalSamples(d)?.toLocaleString('en-US') ?? '—'}</td>
                <td>{shapeText(d)}</td>
                <td>{d.classes ? d.classes.length : '—'}</td>
                <td>{formatBytes(d.sizeBytes)}</td>
                <td>{formatTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && !datasets.length && <p class="empty">No datasets yet.</p>}
      </div>
    </section>
  );
}

function UploadForm({ onUploaded }: { onUploaded: () => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [name, setName] = useState('');
  const [options, setOptions] = useState({ labelColumn: '', size: '', channels: '' });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  const [done, setDone] = useState('');

  const pick = (picked: File[]) => {
    setFiles(picked);
    if (!name && picked[0])
      setName(
        picked[0].name.replace(/\.(gz|zip|npz|npy|csv)$/i, '').replace(/[-_.]?(idx\d?|ubyte|images?)[-_.]?.*$/i, '') ||
          picked[0].name,
      );
  };
  const upload = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const form = new FormData();
      // Fields before files: the api reads the form as a stream.
      form.append('name', name || files[0]!.name);
      for (const [k, v] of Object.entries(options)) if (v.trim()) form.append(k, v.trim());
      for (const f of files) form.append('files', f, f.name);
      const created = await api<{ id: string }>('POST', '/datasets', form);
      setDone(`Uploaded; ingesting as ${created.id}`);
      setFiles([]);
      setName('');
      onUploaded();
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card upload" onSubmit={upload} aria-labelledby="upload-title">
      <h2 id="upload-title">Upload</h2>
      <DropZone files={files} onFiles={pick} />
      <div class="row">
        <label>
          Name
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <details>
          <summary>CSV and image options</summary>
          <div class="row">
            <label>
              Label column (CSV)
              <input
                name="labelColumn"
                value={options.labelColumn}
                onInput={(e) => setOptions({ ...options, labelColumn: e.currentTarget.value })}
              />
            </label>
            <label>
              Image size (ZIP), e.g. 28x28
              <input
                name="size"
                value={options.size}
                pattern="\d+x\d+"
                onInput={(e) => setOptions({ ...options, size: e.currentTarget.value })}
              />
            </label>
            <label>
              Channels (ZIP)
              <select
                name="channels"
                value={options.channels}
                onChange={(e) => setOptions({ ...options, channels: e.currentTarget.value })}
              >
                <option value="">as the images are</option>
                <option value="1">1 (grayscale)</option>
                <option value="3">3 (RGB)</option>
              </select>
            </label>
          </div>
        </details>
      </div>
      <ErrorNote error={problem} />
      {done && <p role="status">{done}</p>}
      <button type="submit" class="primary" disabled={busy || !files.length}>
        {busy ? 'Uploading…' : 'Upload'}
      </button>
    </form>
  );
}
