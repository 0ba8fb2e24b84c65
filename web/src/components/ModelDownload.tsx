import { useState } from 'preact/hooks';
import { download } from '../api/client.ts';
import type { ExportFormat, ModelDetail } from '../api/types.ts';
import { ErrorNote } from './Notice.tsx';

/** The formats GET /models/:id/download offers (a format the api adds fails the typecheck here). */
const FORMATS: Record<ExportFormat, string> = {
  tfjs: 'TensorFlow.js (model.json + weights, a .tar)',
  keras: 'Keras 3 (.keras)',
  h5: 'Keras 2 legacy (.h5)',
};

/**
 * Download a model version in a chosen format, its preprocessing built in as layers. The file is
 * fetched with the token (a plain link cannot send it) and saved under the name the api gives it.
 */
export function ModelDownload({ model }: { model: ModelDetail }) {
  const [format, setFormat] = useState<ExportFormat>('keras');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>();

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const { blob, fileName } = await download(`/models/${encodeURIComponent(model.id)}/download?format=${format}`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName ?? `${model.name}-v${model.version}.${format === 'tfjs' ? 'tar' : format}`;
      document.body.append(link);
      link.click();
      link.remove();
      // The browser has taken the file once the click is handled.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="row model-download" onSubmit={save} aria-labelledby="download-title">
      <h3 id="download-title">Download</h3>
      <p class="hint">Every format has the model's preprocessing built in as layers: it takes rows as they are.</p>
      <label>
        Format
        <select name="format" value={format} onChange={(e) => setFormat(e.currentTarget.value as ExportFormat)}>
          {Object.entries(FORMATS).map(([value, label]) => (
            <option value={value}>{label}</option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Downloading…' : 'Download'}
      </button>
      <ErrorNote error={problem} />
    </form>
  );
}
