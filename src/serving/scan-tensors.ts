import { FlatTensor } from './flat-tensor.ts';

// A scanner over the bytes of a predict body that lifts its number arrays (`instances`, `inputs`,
// `inputs.<name>`, v2's `inputs[i].data`) straight into FlatTensors of float64 values: about 12 µs for
// a 28x28 image where JSON.parse takes 50 µs to build 812 arrays that decoding then walks apart again.
// Everything else of the body (names, shapes, options) is left as JSON text for the app's own guarded
// parser, with `null` where each tensor was; the caller puts the tensors back in. Anything the scanner
// is not sure of (a ragged or non-numeric array, a number JSON would not accept, deep nesting) makes it
// give up on the whole body, which then takes the ordinary path and its errors: it only ever takes
// what JSON.parse would read to the same numbers.

/** Where a lifted tensor goes in the parsed body: keys and array indices from the top. */
export type TensorPath = Array<string | number>;

export interface ScannedBody {
  /** The body's JSON text with `null` in place of every lifted tensor. */
  rest: string;
  tensors: Array<{ path: TensorPath; tensor: FlatTensor }>;
}

/** Deeper than this, a number array is left to the guarded parser (and its depth limit). */
const MAX_TENSOR_RANK = 32;
/** Powers of ten a double holds exactly: m / 10^k is then JSON.parse's own correctly rounded value. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT_MANTISSA = 2 ** 53;

// The bytes the scanner looks at, by their JSON meaning.
const [QUOTE, BACKSLASH, COMMA, COLON, MINUS, DOT, ZERO, NINE] = [0x22, 0x5c, 0x2c, 0x3a, 0x2d, 0x2e, 0x30, 0x39];
const [OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT] = [0x5b, 0x5d, 0x7b, 0x7d];

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= ZERO && c <= NINE;

/** Whether an array at `path` is a tensor position of some predict body (TF Serving, Kiln, v2). */
function isTensorPath(path: TensorPath): boolean {
  if (path.length === 1) return path[0] === 'instances' || path[0] === 'inputs';
  if (path.length === 2) return path[0] === 'inputs' && typeof path[1] === 'string';
  return path.length === 3 && path[0] === 'inputs' && typeof path[1] === 'number' && path[2] === 'data';
}

/** Container being scanned: an object's current key, or an array's current index. */
interface Frame {
  array: boolean;
  key: string | number | undefined;
  /** An object's keys so far: a repeated key (JSON.parse keeps the last value) sends the body to the parser. */
  keys?: Set<string>;
}

/**
 * Scans a JSON body for number arrays at tensor positions. Undefined when the body has none, or when
 * the scanner gives up; the caller then parses the body as usual.
 */
export function scanTensors(bytes: Buffer): ScannedBody | undefined {
  const stack: Frame[] = [];
  const tensors: ScannedBody['tensors'] = [];
  const parts: string[] = [];
  let copiedUpTo = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const end = stringEnd(bytes, i);
      if (end < 0) return undefined;
      const top = stack[stack.length - 1];
      // An object's key: the string before a colon.
      let j = end + 1;
      while (j < n && isSpace(bytes[j]!)) j++;
      if (top && !top.array && bytes[j] === COLON) {
        const key = keyOf(bytes, i, end);
        if (top.keys!.has(key)) return undefined;
        top.keys!.add(key);
        top.key = key;
      }
      i = end + 1;
    } else if (c === OPEN_ARRAY) {
      const path = stack.map((f) => f.key!);
      if (isTensorPath(path)) {
        const read = readTensor(bytes, i);
        if (read === null) return undefined; // numbers JSON.parse might read otherwise, or ragged: not ours
        if (read) {
          parts.push(bytes.toString('utf8', copiedUpTo, i), 'null');
          copiedUpTo = read.end;
          tensors.push({ path, tensor: read.tensor });
          i = read.end;
          continue;
        }
      }
      stack.push({ array: true, key: 0 });
      i++;
    } else if (c === OPEN_OBJECT) {
      stack.push({ array: false, key: undefined, keys: new Set() });
      i++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      stack.pop();
      i++;
    } else if (c === COMMA) {
      const top = stack[stack.length - 1];
      if (top?.array) top.key = (top.key as number) + 1;
      i++;
    } else {
      i++;
    }
  }
  if (tensors.length === 0) return undefined;
  parts.push(bytes.toString('utf8', copiedUpTo));
  return { rest: parts.join(''), tensors };
}

/** The index of the quote that closes the string opening at `start`, or -1. */
function stringEnd(bytes: Uint8Array, start: number): number {
  for (let i = start + 1; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return -1;
}

function keyOf(bytes: Buffer, start: number, end: number): string {
  const raw = bytes.toString('utf8', start, end + 1);
  if (!raw.includes('\\')) return raw.slice(1, -1);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return ''; // a bad escape: the guarded parser refuses the body anyway
  }
}

/**
 * Reads a rectangular array of JSON numbers opening at `start`. False when it holds anything but
 * numbers and arrays (a string, an object, a `{"b64": …}` image: left to the parser); null when it is
 * numbers but not a tensor the scanner can vouch for (ragged, a malformed number, too deep).
 */
function readTensor(bytes: Uint8Array, start: number): { tensor: FlatTensor; end: number } | false | null {
  const values: number[] = [];
  /** By depth (1: the outer array): the length every array there has once the first one closed, else -1. */
  const lengths = new Int32Array(MAX_TENSOR_RANK + 2).fill(-1);
  /** By depth: elements so far in the array open there. */
  const counts = new Int32Array(MAX_TENSOR_RANK + 2);
  /** The deepest depth whose length is known. */
  let deepest = 0;
  /** The depth whose arrays hold the numbers, once a number was seen. */
  let leafDepth = 0;
  let depth = 0;
  /** After `[` or `,`: a value must come (`]` only right after `[`). */
  let expectValue = true;
  let justOpened = false;
  let i = start;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i]!;
    if (isSpace(c)) {
      i++;
    } else if (c === OPEN_ARRAY) {
      if (!expectValue) return null;
      depth++;
      if (depth > MAX_TENSOR_RANK || (leafDepth > 0 && depth > leafDepth)) return null;
      counts[depth] = 0;
      expectValue = true;
      justOpened = true;
      i++;
    } else if (c === CLOSE_ARRAY) {
      if (expectValue && !justOpened) return null; // a trailing comma
      const count = counts[depth]!;
      if (lengths[depth] === -1) {
        lengths[depth] = count;
        if (depth > deepest) deepest = depth;
      } else if (lengths[depth] !== count) return null; // ragged
      depth--;
      i++;
      if (depth === 0) return { tensor: new FlatTensor(Array.from(lengths.subarray(1, deepest + 1)), values), end: i };
      counts[depth]!++;
      expectValue = false;
      justOpened = false;
    } else if (c === COMMA) {
      if (expectValue) return null;
      expectValue = true;
      i++;
    } else if (c === MINUS || isDigit(c)) {
      if (!expectValue) return null;
      if (leafDepth === 0) leafDepth = depth;
      else if (depth !== leafDepth) return null; // numbers beside arrays: ragged
      // Arrays seen deeper than the numbers (an earlier element held one): ragged.
      if (deepest > depth) return null;
      const end = readNumber(bytes, i);
      if (end < 0) return null;
      values.push(numberValue);
      counts[depth]!++;
      expectValue = false;
      justOpened = false;
      i = end;
    } else {
      // t(rue), f(alse), n(ull), strings, objects: not a number array. Anything else: malformed.
      return c === QUOTE || c === OPEN_OBJECT || c === 0x74 || c === 0x66 || c === 0x6e ? false : null;
    }
  }
  return null;
}

/** Set by readNumber: the number read. A module variable, so the hot loop allocates nothing. */
let numberValue = 0;

/**
 * Reads the number starting at `start` following JSON's grammar strictly, into numberValue; returns
 * where it ends, or -1 when it is not a JSON number. Exact arithmetic (m / 10^k of exact doubles, which
 * is correctly rounded) when the digits allow it, else the engine's own parsing of the text.
 */
function readNumber(bytes: Uint8Array, start: number): number {
  let i = start;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  let c = bytes[i]!;
  let mantissa = 0;
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    while (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      c = bytes[++i]!;
    }
  } else return -1;
  let decimals = 0;
  c = bytes[i]!;
  if (c === DOT) {
    c = bytes[++i]!;
    if (!(c >= ZERO && c <= NINE)) return -1;
    while (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      decimals++;
      c = bytes[++i]!;
    }
  }
  let exact = mantissa < MAX_EXACT_MANTISSA && decimals < POW10.length;
  if (c === 0x65 || c === 0x45) {
    exact = false;
    c = bytes[++i]!;
    if (c === 0x2b || c === MINUS) c = bytes[++i]!;
    if (!(c >= ZERO && c <= NINE)) return -1;
    while (c >= ZERO && c <= NINE) c = bytes[++i]!;
  }
  if (exact) {
    const value = decimals > 0 ? mantissa / POW10[decimals]! : mantissa;
    numberValue = negative ? -value : value;
  } else {
    let text = '';
    for (let k = start; k < i; k++) text += String.fromCharCode(bytes[k]!);
    numberValue = Number(text);
  }
  return i;
}
