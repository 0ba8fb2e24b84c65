import { useEffect, useRef, useState } from 'preact/hooks';
import { token } from '../api/client.ts';

/**
 * Asks for the API token (sent as Bearer, and as ?token= on WebSockets); kept in this browser.
 * `saved` tells whether a token was saved (the page then reads its data again) or the dialog was
 * dismissed: re-reading after a dismissal would answer 401 again and reopen it at once.
 */
export function TokenForm({ onDone }: { onDone: (saved: boolean) => void }) {
  const [value, setValue] = useState(token.get());
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <div
      class="overlay"
      role="dialog"
      aria-modal="true"
      aria-labelledby="token-title"
      onKeyDown={(e) => e.key === 'Escape' && onDone(false)}
    >
      <form
        class="card token-form"
        onSubmit={(e) => {
          e.preventDefault();
          token.set(value.trim());
          onDone(true);
        }}
      >
        <h2 id="token-title">API token</h2>
        <p>
          This Kiln asks for a token (its <code>KILN_API_TOKEN</code>). It is kept in this browser only.
        </p>
        <label>
          Token
          <input
            ref={input}
            name="token"
            type="password"
            autocomplete="off"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button type="submit">Save</button>
          <button type="button" class="ghost" onClick={() => onDone(false)}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
