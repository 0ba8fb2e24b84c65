// A confusion matrix drawn with text: counts, each shaded by its share of the true class's row so the
// diagonal (and the classes it is mistaken for) stand out even without colour.
const SHADES = [' ', '░', '▒', '▓', '█'];
const CORNER = 'true\\pred';

/** The shade for a fraction 0..1 of a row (blank only for zero). */
function shade(fraction: number): string {
  if (fraction <= 0) return SHADES[0]!;
  return SHADES[Math.min(SHADES.length - 1, Math.max(1, Math.ceil(fraction * (SHADES.length - 1))))]!;
}

/** Rows are true classes, columns predicted classes; `labels` name the classes (else their index). */
export function confusionMatrix(matrix: number[][], labels?: string[] | null): string {
  const names = matrix.map((_, i) => labels?.[i] ?? String(i));
  const digits = Math.max(1, ...matrix.flat().map((n) => String(n).length));
  const cellWidth = Math.max(digits + 2, ...names.map((n) => n.length));
  const labelWidth = Math.max(CORNER.length, ...names.map((n) => n.length));
  const header = `${CORNER.padEnd(labelWidth)} ${names.map((n) => n.padStart(cellWidth)).join(' ')}`;
  const rows = matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n) => `${shade(total ? n / total : 0)} ${String(n).padStart(digits)}`.padStart(cellWidth));
    return `${names[i]!.padEnd(labelWidth)} ${cells.join(' ')}`;
  });
  return [header, ...rows].join('\n');
}
