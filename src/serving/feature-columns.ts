import type { FeatureColumn } from '../domain/dataset.ts';
import { servingErrors } from './errors.ts';

/**
 * A record {column: value} → the row a model trained on a CSV dataset takes: numbers as they are, a
 * categorical column one-hot over the values recorded at ingestion (in the dataset's column order),
 * as the dataset encoded its rows. Every column must be given, and nothing else.
 */
export function encodeRecord(record: Record<string, unknown>, columns: FeatureColumn[], path: string): number[] {
  const known = new Set(columns.map((c) => c.name));
  for (const key of Object.keys(record)) {
    if (!known.has(key))
      throw servingErrors.invalidInput(
        `${path}.${key}`,
        `not a feature column (columns: ${columns.map((c) => c.name).join(', ')})`,
      );
  }
  const row: number[] = [];
  for (const column of columns) {
    const value = record[column.name];
    const where = `${path}.${column.name}`;
    if (value === undefined) throw servingErrors.invalidInput(where, 'missing: every feature column needs a value');
    if (!column.values) {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number))
        throw servingErrors.invalidInput(where, `must be a finite number, given ${JSON.stringify(value)}`);
      row.push(number);
      continue;
    }
    const at = column.values.indexOf(String(value));
    if (typeof value !== 'string' || at < 0) {
      const shown =
        column.values.length > 20 ? `${column.values.slice(0, 20).join(', ')}, …` : column.values.join(', ');
      throw servingErrors.invalidInput(
        where,
        `${JSON.stringify(value)} is not one of the values this categorical column was trained on (${shown})`,
      );
    }
    for (let k = 0; k < column.values.length; k++) row.push(k === at ? 1 : 0);
  }
  return row;
}
