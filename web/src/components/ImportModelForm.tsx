import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import type { FieldError, ModelDetail } from '../api/types.ts';
import { errorsOf, errorsOfNone } from '../lib/field-errors.ts';
import { DropZone } from './DropZone.tsx';
import { describedBy, FieldErrors } from './FieldErrors.tsx';
import { ErrorNote } from './Notice.tsx';

const FIELDS = ['name', 'file', 'labels', 'preprocess', 'model'] as const;
type Field = (typeof FIELDS)[number];

const HINT =
  'Drop a Keras .keras or .h5 file, a .weights.h5 (then describe the model below), or a TensorFlow.js model.json with its weight files (or all of them as one .tar or .zip) here';

/** A model name from a file name: `mnist_cnn.keras` → `mnist_cnn`. */
const nameOf = (file: string) => file.replace(/(\.weights)?\.(keras|h5|json|tar|zip)$/i, '') || file;

/**
 * Import a model trained elsewhere (POST /models, multipart): the files, a name, and optionally the
 * class names and the preprocessing predict applies. The api's errors appear at the field they name;
 * a refused file (the api names no field then) under the drop zone.
 */
export function ImportModelForm({ onImported }: { onImported: (model: ModelDetail) => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [values, setValues] = useState<Record<Exclude<Field, 'file'>, string>>({
    name: '',
    labels: '',
    preprocess: '',
    model: '',
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const weightsOnly = files.some((f) => /\.weights\.h5$/i.test(f.name));

  const set = (field: keyof typeof values) => (e: { currentTarget: { value: string } }) =>
    setValues({ ...values, [field]: e.currentTarget.value });
  const pick = (picked: File[]) => {
    setFiles(picked);
    setErrors(errors.filter((e) => e.path !== 'file'));
    const main = picked.find((f) => !/\.bin$/i.test(f.name)) ?? picked[0];
    if (!values.name && main) setValues({ ...values, name: nameOf(main.name) });
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors([]);
    setProblem(undefined);
    try {
      const form = new FormData();
      // Fields before files; empty optional fields are left out rather than sent as "".
      for (const [key, value] of Object.entries(values)) if (value.trim()) form.append(key, value.trim());
      for (const f of files) form.append('file', f, f.name);
      onImported(await api<ModelDetail>('POST', '/models', form));
    } catch (err) {
      if (err instanceof ApiError && err.details.length) setErrors(err.details);
      // Without a field, a refusal of POST /models is about the files (not a model, too large, a weight file missing).
      else if (err instanceof ApiError && (err.status === 400 || err.status === 413))
        setErrors([{ path: 'file', message: err.message }]);
      else setProblem(err);
    } finally {
      setBusy(false);
    }
  };

  const id = (field: Field) => `import-${field}-errors`;
  const errs = (field: Field) => errorsOf(errors, field);
  // The errors sit beside the label, not in it: they would become part of the field's name.
  const text = (field: Exclude<Field, 'file'>, label: string, extra: Record<string, unknown> = {}) => (
    <div class="field">
      <label>
        {label}
        <input
          name={field}
          value={values[field]}
          onInput={set(field)}
          {...describedBy(id(field), errs(field))}
          {...extra}
        />
      </label>
      <FieldErrors id={id(field)} errors={errs(field)} />
    </div>
  );

  return (
    <form class="card upload import-model" onSubmit={submit} aria-labelledby="import-title">
      <h2 id="import-title">Import a model</h2>
      <DropZone
        files={files}
        onFiles={pick}
        hint={HINT}
        accept=".keras,.h5,.json,.bin,.tar,.zip"
        errorsId={errs('file').length ? id('file') : undefined}
      />
      <FieldErrors id={id('file')} errors={errs('file')} />
      <div class="row form-fields">
        {text('name', 'Name', { required: true, autocomplete: 'off' })}
        {text('labels', 'Labels (optional)', { placeholder: 'cat,dog or ["cat", "dog"]', autocomplete: 'off' })}
        {text('preprocess', 'Preprocess (optional JSON)', {
          placeholder: '{"scale": 0.00392156862745098}',
          autocomplete: 'off',
          spellcheck: false,
        })}
      </div>
      <p class="hint">
        Preprocess is what predict applies to the inputs first, as a run's dataset does: <code>{'{"scale": …}'}</code>{' '}
        or <code>{'{"mean": […], "std": […]}'}</code>. Leave it empty when the model scales its inputs itself.
      </p>
      <details open={weightsOnly || errs('model').length > 0}>
        <summary>Model description (for a .weights.h5)</summary>
        <div class="field">
          <label>
            A Kiln model spec or Keras JSON (<code>model.to_json()</code>)
            <textarea
              name="model"
              rows={6}
              spellcheck={false}
              value={values.model}
              onInput={set('model')}
              {...describedBy(id('model'), errs('model'))}
            />
          </label>
          <FieldErrors id={id('model')} errors={errs('model')} />
        </div>
      </details>
      <FieldErrors id="import-other-errors" errors={errorsOfNone(errors, [...FIELDS])} paths />
      <ErrorNote error={problem} />
      <button type="submit" class="primary" disabled={busy || !files.length}>
        {busy ? 'Importing…' : 'Import'}
      </button>
    </form>
  );
}
