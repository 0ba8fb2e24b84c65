import type { FieldError } from '../api/types.ts';

/**
 * The api's errors about one form field, under it: give the field `aria-describedby={id}` and
 * `aria-invalid` while there are any. With `paths`, each error also names the field it is about.
 */
export function FieldErrors({ id, errors, paths = false }: { id: string; errors: FieldError[]; paths?: boolean }) {
  if (!errors.length) return null;
  return (
    <ul id={id} class="field-errors" role="alert">
      {errors.map((e) => (
        <li data-path={e.path}>
          {paths && (
            <>
              <code>{e.path}</code>:{' '}
            </>
          )}
          {e.message}
        </li>
      ))}
    </ul>
  );
}

/** The props that tie a field to its errors. */
export const describedBy = (id: string, errors: FieldError[]) =>
  errors.length ? { 'aria-invalid': true, 'aria-describedby': id } : {};
