// Answers' numbers written straight from the model's Float32Arrays into JSON text, as JSON.stringify
// would write them (a finite float as its shortest double text, NaN and ±Infinity as null), without
// first copying them into nested arrays of numbers for JSON.stringify to walk.

/** True when every value in [from, to) is finite, so the typed array's own join is valid JSON. */
function allFinite(data: Float32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!Number.isFinite(data[i]!)) return false;
  return true;
}

/** `[v,v,…]` of data[from, to). */
export function numbersJson(data: Float32Array, from = 0, to = data.length): string {
  const values = data.subarray(from, to);
  if (allFinite(data, from, to)) return `[${values.join(',')}]`;
  return `[${Array.from(values, (v) => (Number.isFinite(v) ? String(v) : 'null')).join(',')}]`;
}

/** One value, or nested arrays of `shape`, from data at `offset` (row-major). */
export function nestedJson(data: Float32Array, shape: readonly number[], offset = 0): string {
  if (shape.length === 0) {
    const v = data[offset]!;
    return Number.isFinite(v) ? String(v) : 'null';
  }
  if (shape.length === 1) return numbersJson(data, offset, offset + shape[0]!);
  const inner = shape.slice(1);
  const stride = inner.reduce((a, b) => a * b, 1);
  const parts = new Array<string>(shape[0]!);
  for (let i = 0; i < shape[0]!; i++) parts[i] = nestedJson(data, inner, offset + i * stride);
  return `[${parts.join(',')}]`;
}
