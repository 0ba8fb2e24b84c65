// The hot loops of input decoding. They only check and copy; they never build an error message (no
// string per element, which cost more than the copy). When they meet anything unexpected they report
// failure and the caller re-walks the row with the explaining decoder, which throws the 400 naming the
// element: the fast path and the slow one accept exactly the same inputs.

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** How values become the model's floats: `x * scale + shift`, checked as the input's dtype wants. */
export interface ValueRule {
  integer: boolean;
  scale: number;
  shift: number;
}

/** One value as the model sees it, or NaN when it must be refused (not a finite number in range). */
function convert(v: unknown, rule: ValueRule): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return NaN;
  if (rule.integer && (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)) return NaN;
  // Math.fround: a finite double beyond float32's range becomes Infinity, which is refused too.
  const x = Math.fround(v * rule.scale + rule.shift);
  return Number.isFinite(x) ? x : NaN;
}

/**
 * Writes one row given as nested arrays of `rowShape` into `out` at `offset` (row-major). False when
 * the row is not exactly that shape of acceptable numbers; `out` may then hold part of the row.
 */
export function writeNestedRow(
  value: unknown,
  rowShape: number[],
  strides: number[],
  rule: ValueRule,
  out: Float32Array,
  offset: number,
): boolean {
  const last = rowShape.length - 1;
  if (last < 0) {
    const x = convert(value, rule);
    out[offset] = x;
    return x === x;
  }
  const walk = (v: unknown, dim: number, at: number): boolean => {
    if (!Array.isArray(v) || v.length !== rowShape[dim]) return false;
    if (dim === last) {
      for (let i = 0; i < v.length; i++) {
        const x = convert(v[i], rule);
        if (x !== x) return false; // NaN: refused
        out[at + i] = x;
      }
      return true;
    }
    const stride = strides[dim]!;
    for (let i = 0; i < v.length; i++) if (!walk(v[i], dim + 1, at + i * stride)) return false;
    return true;
  };
  return walk(value, 0, offset);
}

/**
 * Copies a flat tensor's values into `out` with the rule applied. The index of the first value refused,
 * or -1 when all were taken.
 */
export function writeFlat(data: ArrayLike<unknown>, rule: ValueRule, out: Float32Array): number {
  for (let k = 0; k < data.length; k++) {
    const x = convert(data[k], rule);
    if (x !== x) return k;
    out[k] = x;
  }
  return -1;
}
