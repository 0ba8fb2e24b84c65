import { DatasetFormatError } from './errors.ts';

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Index of the first comma or line end at or after `from` (text length if none). */
function fieldEnd(text: string, from: number): number {
  let j = from;
  for (; j < text.length; j++) {
    const code = text.charCodeAt(j);
    if (code === COMMA || code === LF || code === CR) break;
  }
  return j;
}

/**
 * Splits CSV text into records per RFC 4180: comma separated, fields optionally in double quotes,
 * quotes inside quoted fields doubled, quoted fields may span lines. Accepts LF, CRLF and CR line ends
 * and a UTF-8 byte-order mark. Record i (0-based) is spreadsheet row i + 1; a final line end adds no record.
 * A record of more than `maxColumns` fields is refused as soon as it reaches them (KILN_MAX_CSV_COLUMNS).
 */
export function readCsvRecords(fileName: string, text: string, maxColumns = Infinity): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (i >= text.length) return records;

  for (;;) {
    let field = '';
    // Quotes only open a quoted field at its start; elsewhere they are literal, as spreadsheets treat them.
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) {
          const row = records.length + 1;
          throw new DatasetFormatError(
            'CSV_UNTERMINATED_QUOTE',
            `${fileName}: row ${row}: a quoted field is never closed (missing '"')`,
            { file: fileName, row },
          );
        }
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
    }
    // Slicing whole runs (rather than appending characters) keeps large files fast.
    const end = fieldEnd(text, i);
    field += text.slice(i, end);
    record.push(field);
    if (record.length > maxColumns) {
      const row = records.length + 1;
      throw new DatasetFormatError(
        'CSV_TOO_MANY_COLUMNS',
        `${fileName}: row ${row} has more than ${maxColumns} columns, the most KILN_MAX_CSV_COLUMNS allows (a setting of the api)`,
        { file: fileName, row, maxColumns },
      );
    }
    if (end >= text.length) {
      records.push(record);
      return records;
    }
    i = end + 1;
    if (text.charCodeAt(end) === COMMA) continue;
    if (text.charCodeAt(end) === CR && text.charCodeAt(i) === LF) i++;
    records.push(record);
    record = [];
    if (i >= text.length) return records;
  }
}
