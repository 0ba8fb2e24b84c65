const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `fraction` (0..1) of `width` cells, in eighths of a cell. */
export function bar(fraction: number, width = 30): string {
  const eighths = Math.round(Math.min(1, Math.max(0, fraction)) * width * 8);
  const full = Math.floor(eighths / 8);
  return ('█'.repeat(full) + EIGHTHS[eighths % 8]).padEnd(width);
}

/** `12.3%` */
export const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
