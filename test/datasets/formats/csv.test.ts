import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsv, type CsvOptions } from '../../../src/datasets/formats/csv.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';

const file = (name: string, text: string) => ({ name, data: new TextEncoder().encode(text) });
const parse = (text: string, options?: CsvOptions) => parseCsv([file('iris.csv', text)], options);

describe('parseCsv', () => {
  it('reads numeric features as float32 [n, f] and integer labels (last column) as int32', () => {
    const { format, splits, classes } = parse('a,b,label\n1,2.5,0\n-3,4e2,1\n');
    assert.equal(format, 'csv');
    assert.equal(classes, undefined);
    assert.deepEqual(splits.train!.x, { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2.5, -3, 400]) });
    assert.deepEqual(splits.train!.y, { dtype: 'int32', shape: [2], data: new Int32Array([0, 1]) });
  });

  it('turns text labels into indices of the sorted class names', () => {
    const { splits, classes } = parse('len,species\n1,versicolor\n2,setosa\n3,virginica\n4,setosa\n');
    assert.deepEqual(classes, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual([...splits.train!.y.data], [1, 0, 2, 0]);
  });

  it('keeps fractional numeric labels as float32 for regression', () => {
    const { splits, classes } = parse('x,price\n1,2.5\n2,3\n');
    assert.equal(classes, undefined);
    assert.deepEqual(splits.train!.y, { dtype: 'float32', shape: [2], data: new Float32Array([2.5, 3]) });
  });

  it('handles RFC 4180 quoting, CRLF line ends, a BOM and blank lines', () => {
    const text = '\ufeff"x","note","y"\r\n1,"a, b",cat\r\n2,"say ""hi""\nthen leave",dog\r\n\r\n3,plain,cat\r\n';
    const { splits, classes } = parse(text, { featureColumns: ['x'], labelColumn: 'note' });
    assert.deepEqual([...splits.train!.x.data], [1, 2, 3]);
    assert.deepEqual(classes, ['a, b', 'plain', 'say "hi"\nthen leave']);
    assert.deepEqual([...splits.train!.y.data], [0, 2, 1]);
  });

  it('uses the chosen label and feature columns in the order given', () => {
    const { splits } = parse('id,a,b,target\n7,1,2,0\n8,3,4,1\n', {
      labelColumn: 'target',
      featureColumns: ['b', 'a'],
    });
    assert.deepEqual([...splits.train!.x.data], [2, 1, 4, 3]);
    const withFirstColumnLabel = parse('target,a\n1,5\n0,6\n', { labelColumn: 'target' });
    assert.deepEqual([...withFirstColumnLabel.splits.train!.x.data], [5, 6]);
    assert.deepEqual([...withFirstColumnLabel.splits.train!.y.data], [1, 0]);
  });

  it('splits train.csv and test.csv with one shared class list', () => {
    const result = parseCsv([file('train.csv', 'x,y\n1,cat\n2,cat\n'), file('test.csv', 'x,y\n3,bird\n')]);
    assert.deepEqual(result.classes, ['bird', 'cat']);
    assert.deepEqual([...result.splits.train!.y.data], [1, 1]);
    assert.deepEqual([...result.splits.test!.y.data], [0]);
  });

  it('reports a non-numeric feature with its spreadsheet row and column name', () => {
    const error = assertDatasetError(
      () => parse('a,b,label\n1,2,0\n3,"4,5",1\n'),
      'CSV_NOT_NUMERIC',
      'iris.csv',
      'row 3',
      'column "b"',
      '"4,5"',
    );
    assert.deepEqual(error.details, { file: 'iris.csv', row: 3, column: 'b', value: '4,5' });
  });

  it('counts rows the way a spreadsheet does across multi-line quoted fields and blank lines', () => {
    assertDatasetError(
      () => parse('note,a,y\n"two\nlines",1,0\n\nx,oops,1\n', { featureColumns: ['a'] }),
      'CSV_NOT_NUMERIC',
      'row 4',
    );
  });

  it('reports an empty feature cell', () => {
    assertDatasetError(() => parse('a,b,y\n1,,0\n'), 'CSV_NOT_NUMERIC', 'row 2', 'column "b"', 'empty cell');
  });

  it('names unknown label and feature columns and lists the real ones', () => {
    assertDatasetError(
      () => parse('a,b\n1,2\n', { labelColumn: 'class' }),
      'CSV_UNKNOWN_COLUMN',
      'label column "class"',
      'a, b',
    );
    assertDatasetError(
      () => parse('a,b\n1,2\n', { featureColumns: ['a', 'z'] }),
      'CSV_UNKNOWN_COLUMN',
      'feature column "z"',
    );
  });

  it('requires the test file to have the train file columns', () => {
    assertDatasetError(
      () => parseCsv([file('train.csv', 'x,y\n1,0\n'), file('test.csv', 'z,y\n1,0\n')]),
      'CSV_UNKNOWN_COLUMN',
      'test.csv',
      'feature column "x"',
    );
  });

  it('reports rows with the wrong number of fields, an empty label and an unclosed quote', () => {
    assertDatasetError(() => parse('a,b,y\n1,2,0\n1,2\n'), 'CSV_COLUMN_COUNT', 'row 3', 'has 2 fields', 'header has 3');
    assertDatasetError(() => parse('a,y\n1,cat\n2, \n'), 'CSV_MISSING_VALUE', 'row 3', 'column "y"');
    assertDatasetError(() => parse('a,y\n1,0\n"2,1\n'), 'CSV_UNTERMINATED_QUOTE', 'row 3');
  });

  it('refuses an empty file and a header without rows', () => {
    assertDatasetError(() => parse(''), 'CSV_EMPTY', 'iris.csv');
    assertDatasetError(() => parse('a,y\n'), 'CSV_EMPTY', 'no data rows');
  });

  it('refuses two files for the same split', () => {
    assertDatasetError(
      () => parseCsv([file('a.csv', 'x,y\n1,0\n'), file('b.csv', 'x,y\n1,0\n')]),
      'SPLIT_CONFLICT',
      'a.csv',
      'b.csv',
    );
  });
});

describe('split hints in file names', () => {
  it('reads "test"/"train" only as words, so latest.csv is still the train split', () => {
    const result = parseCsv([file('latest.csv', 'x,y\n1,0\n'), file('mnist_test.csv', 'x,y\n2,1\n')]);
    assert.deepEqual([...result.splits.train!.x.data], [1]);
    assert.deepEqual([...result.splits.test!.x.data], [2]);
  });

  it('refuses a feature or label beyond the float32 range, naming the file, row and column', () => {
    assertDatasetError(() => parse('a,b,label\n1,2,0\n3,1e39,1\n'), 'NON_FINITE', 'iris.csv: row 3, column "b": 1e39');
    assertDatasetError(() => parse('a,b,label\n1,-4e38,0\n'), 'NON_FINITE', 'row 2, column "b"');
    assertDatasetError(
      () => parse('a,b,target\n1,2,0.5\n3,4,1e39\n'),
      'NON_FINITE',
      'iris.csv: row 3, column "target": 1e39',
    );
    assertDatasetError(
      () => parseCsv([file('train.csv', 'a,y\n1,0.5\n'), file('test.csv', 'a,y\n\n2,0.25\n3,-1e40\n')]),
      'NON_FINITE',
      'test.csv: row 4, column "y"',
    );
    // The largest float32 values are still fine.
    assert.equal(parse('a,label\n3.4e38,0\n').splits.train!.x.data[0], Math.fround(3.4e38));
  });

  it('requires a header row: a first row of numbers only is refused rather than read as column names', () => {
    assertDatasetError(
      () => parse('5.1,3.5,1.4,0\n4.9,3.0,1.4,0\n'),
      'CSV_NO_HEADER',
      'iris.csv',
      '5.1, 3.5, 1.4, 0',
      'header row',
      'required',
    );
    assertDatasetError(
      () => parseCsv([file('train.csv', 'a,y\n1,0\n'), file('test.csv', '2,1\n3,0\n')]),
      'CSV_NO_HEADER',
      'test.csv',
    );
  });

  it("accepts pandas' header for unnamed columns (0, 1, …) and headers mixing names and numbers", () => {
    const pandas = parse('0,1,2\n5.5,1,0\n6.5,2,1\n');
    assert.deepEqual(pandas.splits.train!.x.shape, [2, 2]);
    assert.deepEqual([...pandas.splits.train!.y.data], [0, 1]);
    assert.deepEqual(parse('2019,2020,label\n1,2,0\n').splits.train!.x.shape, [1, 2]);
  });

  // A million columns took 17 CPU-minutes when each feature column was found with header.indexOf; the
  // timeout only catches that (figures: npm run bench -- ingest-limits).
  it('reads a CSV of a million columns when the limit allows it (column lookup is linear)', { timeout: 60_000 }, () => {
    const columns = 1_000_000;
    const header = Array.from({ length: columns }, (_, i) => `x${i}`).join(',') + ',label\n';
    const row = (label: number) => '1,'.repeat(columns) + `${label}\n`;
    const { splits } = parse(header + row(0) + row(1), { maxColumns: columns + 1 });
    assert.deepEqual(splits.train!.x.shape, [2, columns]);
    assert.deepEqual([...splits.train!.y.data], [0, 1]);
  });

  it('refuses a row with more columns than KILN_MAX_CSV_COLUMNS, naming the setting', () => {
    const wide = Array.from({ length: 11 }, (_, i) => `x${i}`).join(',') + ',label\n';
    assertDatasetError(
      () => parse(wide + '0,'.repeat(11) + '1\n', { maxColumns: 10 }),
      'CSV_TOO_MANY_COLUMNS',
      'iris.csv: row 1 has more than 10 columns',
      'KILN_MAX_CSV_COLUMNS',
    );
    // The default bound holds without options.
    const huge = Array.from({ length: 100_001 }, (_, i) => `x${i}`).join(',') + '\n';
    assertDatasetError(() => parse(huge), 'CSV_TOO_MANY_COLUMNS', 'more than 100000 columns');
  });
});

describe('several label columns (labelColumns)', () => {
  it('make a dataset of named arrays: features, and one array per label column with its own encoding', () => {
    const text = 'width,height,kind,price\n1,2,shoe,9.5\n3,4,bag,20\n5,6,shoe,12.25\n';
    const result = parseCsv([file('train.csv', text), file('test.csv', 'width,height,kind,price\n7,8,hat,1\n')], {
      labelColumns: ['kind', 'price'],
    });
    assert.deepEqual(result.splits, {});
    assert.deepEqual(result.arrays!.train!.features!.shape, [3, 2]);
    assert.deepEqual([...result.arrays!.train!.features!.data], [1, 2, 3, 4, 5, 6]);
    // Class names over every file, sorted: bag 0, hat 1, shoe 2.
    assert.deepEqual(result.arrayClasses, { kind: ['bag', 'hat', 'shoe'] });
    assert.deepEqual([...result.arrays!.train!.kind!.data], [2, 0, 2]);
    assert.deepEqual([...result.arrays!.test!.kind!.data], [1]);
    assert.equal(result.arrays!.train!.price!.dtype, 'float32');
    assert.deepEqual([...result.arrays!.train!.price!.data], [9.5, 20, 12.25]);
  });

  it('refuses a label column whose name cannot be an array name', () => {
    assertDatasetError(
      () => parse('a,sale price,kind\n1,2,x\n', { labelColumns: ['sale price', 'kind'] }),
      'INVALID_OPTION',
      'label column "sale price" becomes an array of that name',
    );
  });
});

describe('categorical feature columns', () => {
  it('are one-hot encoded in place over their values in every file, sorted, and recorded', () => {
    const result = parseCsv(
      [file('train.csv', 'w,color,y\n1,red,0\n2,blue,1\n'), file('test.csv', 'w,color,y\n3,green,1\n')],
      { categoricalColumns: ['color'] },
    );
    assert.deepEqual(result.featureColumns, [{ name: 'w' }, { name: 'color', values: ['blue', 'green', 'red'] }]);
    assert.deepEqual(result.splits.train!.x.shape, [2, 4]);
    assert.deepEqual([...result.splits.train!.x.data], [1, 0, 0, 1, 2, 1, 0, 0]);
    assert.deepEqual([...result.splits.test!.x.data], [3, 0, 1, 0]);
  });

  it('refuses a categorical column that is not a feature, and an empty categorical cell', () => {
    assertDatasetError(() => parse('w,color,y\n1,red,0\n', { categoricalColumns: ['y'] }), 'CSV_UNKNOWN_COLUMN', '"y"');
    assertDatasetError(
      () => parse('w,color,y\n1,,0\n', { categoricalColumns: ['color'] }),
      'CSV_MISSING_VALUE',
      'row 2, column "color"',
    );
  });
});
