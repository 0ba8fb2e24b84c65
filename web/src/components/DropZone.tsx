import { useRef, useState } from 'preact/hooks';

/** A drop target for files that is also a button opening the file picker (keyboard and touch). */
export function DropZone({ onFiles, files }: { onFiles: (files: File[]) => void; files: File[] }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <div
      class={`dropzone ${over ? 'over' : ''}`}
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
          'Drop IDX, NPY/NPZ, CSV or a ZIP of class folders here'
        )}
      </p>
      <button type="button" onClick={() => input.current?.click()}>
        Choose files…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        name="files"
        onChange={(e) => onFiles([...(e.currentTarget.files ?? [])])}
      />
    </div>
  );
}
