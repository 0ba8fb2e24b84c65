import { readCsvRecords } from './csv-reader.ts';
import { DatasetFormatError } from './errors.ts';
import { sortClassNames, splitHintFromName } from './ndarray.ts';
import type { DatasetFile, ParsedDataset, SplitName } from './types.ts';
import type { NdArray } from '../../domain/arrays.ts';
import type { FeatureColumn } from '../../domain/dataset.ts';

/** Which columns hold the label and the features (by header name). */
export interface CsvOptions {
  /** Default: the last column. */
  labelColumn?: string;
  /**
   * Several label columns (a model with several outputs): the dataset is then one of named arrays,
   * `features` [n, f] and one array per label column, named after it.
   */
  labelColumns?: string[];
  /** Default: every column except the label. */
  featureColumns?: string[];
  /**
   * Feature columns of text values (a colour, a city): each is one-hot encoded over its values in every
   * file (sorted), recorded with the dataset so that serving encodes records the same way.
   */
  categoricalColumns?: string[];
  /** KILN_MAX_CSV_COLUMNS: a row with more fields is refused as soon as it is read. */
  maxColumns?: number;
}

export const DEFAULT_MAX_CSV_COLUMNS = 100_000;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+(\.0*)?$/;

interface CsvTable {
  file: string;
  split: SplitName;
  /** Numeric features; a categorical column's place holds 0 until it is encoded (encodeCategorical). */
  features: Float32Array;
  featureCount: number;
  /** Each categorical column's text values, by its position among the features. */
  categorical: Map<number, string[]>;
  /** Each label column's values (one column unless labelColumns). */
  labels: string[][];
  /** The spreadsheet row of each label, for messages. */
  labelRows: number[];
  /** The columns actually used, so later files are read with the same ones. */
  columns: { labelColumns: string[]; featureColumns: string[]; categoricalColumns?: string[] };
}

/**
 * Each header name's column, its first when repeated (as indexOf finds it): one pass, so finding every
 * feature column is linear in the columns (indexOf per column took 17 CPU-minutes for a million).
 */
function columnIndex(header: string[]): Map<string, number> {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  return index;
}

function resolveColumn(
  file: string,
  header: string[],
  byName: Map<string, number>,
  column: string,
  role: string,
): number {
  const index = byName.get(column) ?? -1;
  if (index < 0) {
    throw new DatasetFormatError(
      'CSV_UNKNOWN_COLUMN',
      `${file}: ${role} column "${column}" is not in the header; columns are: ${header.join(', ')}`,
      { file, column, columns: header },
    );
  }
  return index;
}

function readTable(file: DatasetFile, split: SplitName, options: CsvOptions, maxColumns: number): CsvTable {
  const records = readCsvRecords(file.name, new TextDecoder('utf-8').decode(file.data), maxColumns);
  const header = (records[0] ?? []).map((name) => name.trim());
  if (records.length === 0 || header.every((name) => name === '')) {
    throw new DatasetFormatError('CSV_EMPTY', `${file.name} is empty; it needs a header row and data rows`, {
      file: file.name,
    });
  }
  // README: a CSV needs a header row. Without one its first data row would silently become the column
  // names (and be lost as data), so a first row of numbers only is refused. One exception: exactly 0, 1, …,
  // n-1 is pandas' header for unnamed columns (DataFrame(array).to_csv(index=False)), not data.
  const pandasDefault = header.every((name, i) => name === String(i));
  if (!pandasDefault && header.every((name) => NUMBER.test(name))) {
    throw new DatasetFormatError(
      'CSV_NO_HEADER',
      `${file.name}: the first row (${header.join(', ')}) holds only numbers, so it looks like data, not a header; ` +
        `a header row naming the columns is required (e.g. "${header.map((_, i) => (i === header.length - 1 ? 'label' : `x${i}`)).join(',')}")`,
      { file: file.name, firstRow: header },
    );
  }
  const labelNames = options.labelColumns ?? [options.labelColumn ?? header[header.length - 1]!];
  const byName = columnIndex(header);
  const labelIndices = labelNames.map((name) => resolveColumn(file.name, header, byName, name, 'label'));
  const featureNames = options.featureColumns ?? header.filter((_, i) => !labelIndices.includes(i));
  const featureIndices = featureNames.map((name) => resolveColumn(file.name, header, byName, name, 'feature'));
  const categorical = new Map<number, string[]>();
  for (const name of options.categoricalColumns ?? []) {
    const at = featureNames.indexOf(name);
    if (at < 0) {
      throw new DatasetFormatError(
        'CSV_UNKNOWN_COLUMN',
        `${file.name}: categorical column "${name}" is not a feature column; feature columns are: ${featureNames.join(', ')}`,
        { file: file.name, column: name, columns: featureNames },
      );
    }
    categorical.set(at, []);
  }

  // Blank lines are skipped but still counted, so row numbers match what a spreadsheet shows.
  const rows = records
    .map((cells, i) => ({ cells, row: i + 1 }))
    .slice(1)
    .filter(({ cells }) => !(cells.length === 1 && cells[0]!.trim() === ''));
  if (rows.length === 0) {
    throw new DatasetFormatError('CSV_EMPTY', `${file.name} has a header but no data rows`, { file: file.name });
  }
  const features = new Float32Array(rows.length * featureIndices.length);
  const labels: string[][] = labelNames.map(() => []);
  const labelRows: number[] = [];
  rows.forEach(({ cells, row }, r) => {
    if (cells.length !== header.length) {
      throw new DatasetFormatError(
        'CSV_COLUMN_COUNT',
        `${file.name}: row ${row} has ${cells.length} fields but the header has ${header.length}`,
        { file: file.name, row, fields: cells.length, expected: header.length },
      );
    }
    featureIndices.forEach((column, f) => {
      const cell = cells[column]!.trim();
      const text = categorical.get(f);
      if (text) {
        if (cell === '') {
          throw new DatasetFormatError(
            'CSV_MISSING_VALUE',
            `${file.name}: row ${row}, column "${header[column]}": empty cell in a categorical column`,
            { file: file.name, row, column: header[column] },
          );
        }
        text.push(cell);
        return;
      }
      if (!NUMBER.test(cell)) {
        const columnName = header[column]!;
        throw new DatasetFormatError(
          'CSV_NOT_NUMERIC',
          `${file.name}: row ${row}, column "${columnName}": ${cell === '' ? 'empty cell' : `"${cell}" is not a number`}` +
            ` (feature columns must be numeric; name a column of text values in categoricalColumns to one-hot encode it)`,
          { file: file.name, row, column: columnName, value: cell },
        );
      }
      const at = r * featureIndices.length + f;
      features[at] = Number(cell);
      // NUMBER admits no NaN or Infinity, but a value beyond float32's ±3.4e38 (1e39) becomes Infinity here.
      if (!Number.isFinite(features[at]!)) {
        const columnName = header[column]!;
        throw new DatasetFormatError(
          'NON_FINITE',
          `${file.name}: row ${row}, column "${columnName}": ${cell} is beyond the float32 range (±3.4e38); features must be finite`,
          { file: file.name, row, column: columnName, value: cell },
        );
      }
    });
    labelIndices.forEach((index, k) => {
      const label = cells[index]!.trim();
      if (label === '') {
        throw new DatasetFormatError(
          'CSV_MISSING_VALUE',
          `${file.name}: row ${row}, column "${labelNames[k]}": the label is empty`,
          { file: file.name, row, column: labelNames[k] },
        );
      }
      labels[k]!.push(label);
    });
    labelRows.push(row);
  });
  const columns = {
    labelColumns: labelNames,
    featureColumns: featureNames,
    categoricalColumns: options.categoricalColumns,
  };
  return {
    file: file.name,
    split,
    features,
    featureCount: featureIndices.length,
    categorical,
    labels,
    labelRows,
    columns,
  };
}

type LabelEncoder = { classes?: string[]; encode: (labels: string[]) => NdArray };

// Labels decide one encoding across all files so train and test agree on class indices.
function chooseLabelEncoding(allLabels: string[]): LabelEncoder {
  if (allLabels.every((l) => INTEGER.test(l) && Math.abs(Number(l)) <= 2 ** 31 - 1)) {
    return { encode: (labels) => ({ dtype: 'int32', shape: [labels.length], data: Int32Array.from(labels, Number) }) };
  }
  if (allLabels.every((l) => NUMBER.test(l))) {
    return {
      encode: (labels) => ({ dtype: 'float32', shape: [labels.length], data: Float32Array.from(labels, Number) }),
    };
  }
  const classes = sortClassNames(allLabels);
  const indexOf = new Map(classes.map((name, i) => [name, i]));
  return {
    classes,
    encode: (labels) => ({
      dtype: 'int32',
      shape: [labels.length],
      data: Int32Array.from(labels, (l) => indexOf.get(l)!),
    }),
  };
}

/**
 * Parses CSV files with a header row into float32 features [n, f] and labels [n]:
 * integer labels stay int32, other numbers become float32 (regression), text labels become class indices.
 * File names containing train / test choose the split; one file without a hint is the train split.
 */
export function parseCsv(files: DatasetFile[], options: CsvOptions = {}): ParsedDataset {
  const tables: CsvTable[] = [];
  for (const file of files) {
    const split = splitHintFromName(file.name) ?? 'train';
    const clash = tables.find((t) => t.split === split);
    if (clash) {
      throw new DatasetFormatError(
        'SPLIT_CONFLICT',
        `${clash.file} and ${file.name} are both ${split} data; name one of them with "train" and the other with "test"`,
        { files: [clash.file, file.name], split },
      );
    }
    // Later files must provide the first file's columns, so train and test have the same features.
    const maxColumns = options.maxColumns ?? DEFAULT_MAX_CSV_COLUMNS;
    tables.push(readTable(file, split, tables[0]?.columns ?? options, maxColumns));
  }
  const featureColumns = encodeCategorical(tables);
  const labelColumns = tables[0]!.columns.labelColumns;
  if (options.labelColumns) checkArrayNames(tables[0]!.file, labelColumns);
  // Each label column decides its own encoding, over every file, so train and test agree on class indices.
  const encoders = labelColumns.map((_, k) => chooseLabelEncoding(tables.flatMap((t) => t.labels[k]!)));
  const encoded = (table: CsvTable, k: number) => {
    const y = encoders[k]!.encode(table.labels[k]!);
    // Numeric (regression) labels beyond float32's range become Infinity once encoded.
    if (y.dtype === 'float32') {
      const bad = y.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        const column = labelColumns[k]!;
        throw new DatasetFormatError(
          'NON_FINITE',
          `${table.file}: row ${table.labelRows[bad]}, column "${column}": ${table.labels[k]![bad]} is beyond the float32 range (±3.4e38); labels must be finite`,
          { file: table.file, row: table.labelRows[bad], column, value: table.labels[k]![bad] },
        );
      }
    }
    return y;
  };
  const features = (table: CsvTable): NdArray => ({
    dtype: 'float32',
    shape: [table.labelRows.length, table.featureCount],
    data: table.features,
  });
  if (options.labelColumns) {
    const arrays: NonNullable<ParsedDataset['arrays']> = {};
    for (const table of tables) {
      arrays[table.split] = {
        features: features(table),
        ...Object.fromEntries(labelColumns.map((column, k) => [column, encoded(table, k)])),
      };
    }
    const arrayClasses = Object.fromEntries(
      labelColumns.flatMap((column, k) => (encoders[k]!.classes ? [[column, encoders[k]!.classes!]] : [])),
    );
    return {
      format: 'csv',
      splits: {},
      arrays,
      ...(Object.keys(arrayClasses).length ? { arrayClasses } : {}),
      ...featureColumns,
    };
  }
  const splits: ParsedDataset['splits'] = {};
  for (const table of tables) splits[table.split] = { x: features(table), y: encoded(table, 0) };
  const classes = encoders[0]!.classes;
  return { format: 'csv', splits, ...(classes ? { classes } : {}), ...featureColumns };
}

/**
 * One-hot encodes the categorical columns in place of their one feature, over each column's values in
 * every file (sorted, so the encoding does not depend on row order), and answers the feature columns
 * with those vocabularies (none when no column is categorical).
 */
function encodeCategorical(tables: CsvTable[]): { featureColumns?: FeatureColumn[] } {
  const first = tables[0]!;
  if (first.categorical.size === 0) return {};
  const names = first.columns.featureColumns;
  const columns: FeatureColumn[] = names.map((name, f) =>
    first.categorical.has(f)
      ? { name, values: sortClassNames(tables.flatMap((t) => t.categorical.get(f)!)) }
      : { name },
  );
  const width = columns.reduce((n, c) => n + (c.values?.length ?? 1), 0);
  for (const table of tables) {
    const rows = table.labelRows.length;
    const out = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      let at = r * width;
      columns.forEach((column, f) => {
        if (!column.values) {
          out[at++] = table.features[r * table.featureCount + f]!;
          return;
        }
        out[at + column.values.indexOf(table.categorical.get(f)![r]!)] = 1;
        at += column.values.length;
      });
    }
    table.features = out;
    table.featureCount = width;
  }
  return { featureColumns: columns };
}

/** Label columns become arrays a run maps by name: names it can use, none called `features`. */
function checkArrayNames(file: string, columns: string[]): void {
  for (const column of columns) {
    if (column === 'features' || !/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/.test(column)) {
      throw new DatasetFormatError(
        'INVALID_OPTION',
        `${file}: label column "${column}" becomes an array of that name, which ${column === 'features' ? 'is taken by the features' : 'must start with a letter and hold only letters, digits, _ . -'}; rename the column`,
        { file, column },
      );
    }
  }
}
