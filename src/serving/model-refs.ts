import type { ModelSignature } from '../domain/model.ts';
import { servingErrors } from './errors.ts';
import type { Labels, Preprocessing, ServedModelRecord } from './types.ts';

/**
 * How clients name a model in Kiln's own routes:
 * - `<id>`: one version by its id;
 * - `<name>`: the latest version of that name;
 * - `<name>@<n>`: version n;
 * - `<name>@<alias>`: the version the alias points at (e.g. `digits@production`).
 * An id is tried before a name, so a name that looks like an id is still reachable as `<name>@<n>`.
 */
export type ModelRef = { idOrName: string } | { name: string; version: number } | { name: string; alias: string };

/** Versions are stored as PostgreSQL integers: 1 … 2^31-1. */
export const MAX_VERSION = 2_147_483_647;
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A version as written in a URL or reference: decimal digits that fit an int64, which is how TensorFlow
 * Serving reads them (anything else is no version at all: undefined, a 400). A number outside
 * 1 … MAX_VERSION is still a well-formed version, one no model has (a 404): findVersion answers null
 * for it without asking the database, whose integer column would reject it with a 500.
 */
export function parseVersion(text: string): number | undefined {
  if (!/^\d+$/.test(text) || BigInt(text) > INT64_MAX) return undefined;
  return Number(text);
}

/** Whether a number can be the version of a model (a positive int32). */
export const isStoredVersion = (version: number): boolean =>
  Number.isInteger(version) && version >= 1 && version <= MAX_VERSION;

/**
 * Splits a reference at its last `@`: digits name a version, anything else an alias. Digits too long for
 * a version (beyond int64) are a 400, as on TF Serving's routes.
 */
export function parseModelRef(ref: string): ModelRef {
  const at = ref.lastIndexOf('@');
  if (at <= 0 || at === ref.length - 1) return { idOrName: ref };
  const name = ref.slice(0, at);
  const suffix = ref.slice(at + 1);
  if (!/^\d+$/.test(suffix)) return { name, alias: suffix };
  const version = parseVersion(suffix);
  if (version === undefined)
    throw servingErrors.invalidInput(
      'params.id',
      `${suffix} is not a version: versions are integers from 1 to ${MAX_VERSION}`,
    );
  return { name, version };
}

/** The columns of a Model row that serving reads. */
type ModelRow = {
  id: string;
  name: string;
  version: number;
  path: string;
  signature: unknown;
  labels: unknown;
  preprocessing: unknown;
};

/** The serving view of a Model row. */
export function toServedRecord(row: ModelRow): ServedModelRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    path: row.path,
    signature: row.signature as ModelSignature,
    labels: (row.labels as Labels | null) ?? null,
    preprocessing: (row.preprocessing as Preprocessing | null) ?? null,
  };
}
