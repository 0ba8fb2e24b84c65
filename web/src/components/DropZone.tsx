import { useRef, useState } from 'preact/hooks';

interface Props {
  onFiles: (files: File[]) => void;
  files: File[];
  /** What to drop, shown until files are chosen. */
  hint?: string;
  /** The file picker's filter (`.keras,.h5`); a drop takes whatever is dropped, and the api judges it. */
  accept?: string;
  /** The id of the errors about the files, if the api refused them. */
  errorsId?: string;
}

/** A drop target for files that is also a button opening the file picker (keyboard and touch). */
export function DropZone({
  onFiles,
  files,
  hint = 'Drop IDX, NPY/NPZ, CSV or a ZIP of class folders here',
  accept,
  errorsId,
}: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <div
      class={`dropzone ${over ? 'over' : ''} ${errorsId ? 'invalid' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const dropped = [...(e.dataTransfer?.files ?? [])];
        if (dropped.length) onFiles(dropped);
      }}
    >
      <p>
        {files.length ? (
          <>
            <strong>
              {files.length} file{files.length === 1 ? '' : 's'}:
            </strong>{' '}
            {files.map((f) => f.name).join(', ')}
          </>
        ) : (
          hint
        )}
      </p>
      <button type="button" onClick={() => input.current?.click()} aria-describedby={errorsId}>
        Choose files…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        name="files"
        accept={accept}
        onChange={(e) => onFiles([...(e.currentTarget.files ?? [])])}
      />
    </div>
  );
}
