import type { FieldError } from '../api/types.ts';

/** Whether an error the api named by path belongs to a form field: the field itself, or a path inside it. */
const within = (path: string, field: string) =>
  path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);

/** The errors of one field (`dataset.id`, `labels[0]` …). */
export const errorsOf = (errors: FieldError[], field: string) => errors.filter((e) => within(e.path, field));

/** The errors of none of the form's fields, for a list of their own. */
export const errorsOfNone = (errors: FieldError[], fields: string[]) =>
  errors.filter((e) => !fields.some((f) => within(e.path, f)));
