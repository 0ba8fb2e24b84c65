import { useMemo, useRef, useState } from 'preact/hooks';
import type { FieldError } from '../api/types.ts';
import { fieldLines, lineOfPath } from '../lib/json-lines.ts';

interface Props {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  /** Errors the api named by field path; each is shown at its field's line. */
  errors: FieldError[];
  rows?: number;
}

export interface PlacedError extends FieldError {
  line?: number;
}

/** Places errors on their own line (a syntax error), else on the line of the field they name (or its nearest parent). */
export function placeErrors(text: string, errors: FieldError[]): PlacedError[] {
  const lines = fieldLines(text);
  return errors.map((e) => ({ ...e, line: e.line ?? lineOfPath(lines, e.path) }));
}

/**
 * A JSON text box with line numbers, where each error appears at the end of the line of the field it
 * names, as in an editor (a layer behind the transparent textarea), and in a list below whose entries
 * move the cursor to that line.
 */
export function JsonEditor({ id, label, value, onInput, errors, rows = 28 }: Props) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const placed = useMemo(() => placeErrors(value, errors), [value, errors]);
  const byLine = useMemo(() => {
    const map = new Map<number, PlacedError[]>();
    for (const e of placed) if (e.line) map.set(e.line, [...(map.get(e.line) ?? []), e]);
    return map;
  }, [placed]);
  const lines = value.split('\n');

  const goToLine = (line: number) => {
    const el = area.current!;
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    const lineHeight = el.scrollHeight / Math.max(1, lines.length);
    el.scrollTop = Math.max(0, (line - 3) * lineHeight);
  };

  return (
    <div class="json-editor">
      <label for={id}>{label}</label>
      <div class="editor" style={{ '--rows': rows }}>
        <pre class="gutter" aria-hidden="true" style={{ transform: `translateY(${-scroll.top}px)` }}>
          {lines.map((_, i) => (
            <span class={byLine.has(i + 1) ? 'gutter-error' : undefined}>{i + 1}</span>
          ))}
        </pre>
        <div class="editor-body">
          <pre
            class="backdrop"
            aria-hidden="true"
            style={{ transform: `translate(${-scroll.left}px, ${-scroll.top}px)` }}
          >
            {lines.map((line, i) => {
              const here = byLine.get(i + 1);
              return (
                <span class={here ? 'line-error' : undefined}>
                  <span class="ghost-text">{line}</span>
                  {here && (
                    <span class="inline-error">{'  ← ' + here.map((e) => `${e.path}: ${e.message}`).join('; ')}</span>
                  )}
                  {'\n'}
                </span>
              );
            })}
          </pre>
          <textarea
            ref={area}
            id={id}
            name={id}
            spellcheck={false}
            wrap="off"
            autocomplete="off"
            value={value}
            aria-invalid={errors.length > 0}
            aria-describedby={errors.length ? `${id}-errors` : undefined}
            onInput={(e) => onInput(e.currentTarget.value)}
            onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })}
            onKeyDown={(e) => {
              // Tab indents; Escape then Tab leaves the box, so the keyboard is never trapped.
              if (e.key === 'Tab' && !e.shiftKey && !(e.currentTarget.dataset.escaped === '1')) {
                e.preventDefault();
                const el = e.currentTarget;
                const { selectionStart: s, selectionEnd: end } = el;
                onInput(el.value.slice(0, s) + '  ' + el.value.slice(end));
                requestAnimationFrame(() => el.setSelectionRange(s + 2, s + 2));
              }
              e.currentTarget.dataset.escaped = e.key === 'Escape' ? '1' : '';
            }}
          />
        </div>
      </div>
      {placed.length > 0 && (
        <ul id={`${id}-errors`} class="field-errors" role="alert">
          {placed.map((e) => (
            <li data-path={e.path}>
              {e.line ? (
                <button type="button" class="link" onClick={() => goToLine(e.line!)}>
                  line {e.line}
                </button>
              ) : null}{' '}
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      <p class="hint">Tab indents; press Escape, then Tab, to move on.</p>
    </div>
  );
}
