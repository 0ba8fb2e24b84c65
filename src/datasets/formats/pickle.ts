import { DatasetFormatError } from './errors.ts';

/** A numpy array as a pickle rebuilds it (numpy's _reconstruct, then BUILD with its state). */
export class PickledArray {
  shape: number[] = [];
  /** numpy's dtype code, e.g. 'u1', with its byte order ('|', '<', '>'). */
  dtype = '';
  order = '|';
  fortran = false;
  data = new Uint8Array(0);
}

class PickledDtype {
  order = '|';
  constructor(readonly code: string) {}
}

class Global {
  constructor(readonly path: string) {}
}

const MARK = Symbol('mark');

/** The only callables a dataset pickle may name (as Keras' RestrictedUnpickler): nothing else is run. */
const ALLOWED = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  '_codecs.encode',
]);

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
/** A Python 2 str arrives as bytes (encoding='bytes'), a Python 3 str as a string: text either way. */
const text = (value: unknown) =>
  value instanceof Uint8Array ? new TextDecoder('latin1').decode(value) : String(value);

/**
 * A minimal unpickler for data pickles (protocols 0–5 binary opcodes): dicts (as Maps, py2 str keys as
 * strings), lists, tuples, numbers, strings, bytes and numpy arrays. It runs no code: any other global
 * is refused, as is any opcode outside this set.
 */
export function unpickle(fileName: string, bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const fail = (message: string) =>
    new DatasetFormatError('PICKLE_UNSUPPORTED', `${fileName}: ${message} (at byte ${pos})`, {
      file: fileName,
      offset: pos,
    });
  const take = (n: number) => {
    if (pos + n > bytes.length) throw fail('the pickle ends early');
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u8 = () => take(1)[0]!;
  const u32 = () => view.getUint32((take(4), pos - 4), true);
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end === -1) throw fail('unterminated line');
    const text = new TextDecoder().decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const utf8 = (n: number) => new TextDecoder().decode(take(n));
  const popMark = () => {
    const at = stack.lastIndexOf(MARK);
    if (at === -1) throw fail('no MARK on the stack');
    return stack.splice(at).slice(1);
  };
  const top = () => stack[stack.length - 1];
  const global = (path: string) => {
    if (!ALLOWED.has(path)) throw fail(`refusing the global ${path}: a data pickle needs only numpy arrays`);
    return new Global(path);
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) throw fail('SETITEM on something other than a dict');
    for (let i = 0; i + 1 < items.length; i += 2)
      target.set(typeof items[i] === 'number' ? items[i] : text(items[i]), items[i + 1]);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        take(8);
        break; // FRAME
      case 0x2e:
        return stack.pop(); // STOP
      case 0x28:
        stack.push(MARK);
        break;
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE (tuples are arrays)
      case 0x4e:
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(view.getUint16((take(2), pos - 2), true));
        break; // BININT2
      case 0x4a:
        stack.push(view.getInt32((take(4), pos - 4), true));
        break; // BININT
      case 0x8a: {
        // LONG1: little-endian two's complement
        const n = u8();
        const digits = take(n);
        let value = 0;
        for (let i = n - 1; i >= 0; i--) value = value * 256 + digits[i]!;
        if (n > 0 && digits[n - 1]! >= 0x80) value -= 2 ** (8 * n);
        stack.push(value);
        break;
      }
      case 0x47:
        stack.push(view.getFloat64((take(8), pos - 8), false));
        break; // BINFLOAT
      case 0x58:
        stack.push(utf8(u32()));
        break; // BINUNICODE
      case 0x8c:
        stack.push(utf8(u8()));
        break; // SHORT_BINUNICODE
      // Python 2 str, read with encoding='bytes' (as Keras does): bytes.
      case 0x55:
        stack.push(take(u8()).slice());
        break; // SHORT_BINSTRING
      case 0x54:
        stack.push(take(u32()).slice());
        break; // BINSTRING
      case 0x43:
        stack.push(take(u8()).slice());
        break; // SHORT_BINBYTES
      case 0x42:
        stack.push(take(u32()).slice());
        break; // BINBYTES
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
        stack.push(memo.get(u8()));
        break; // BINGET
      case 0x6a:
        stack.push(memo.get(u32()));
        break; // LONG_BINGET
      case 0x74:
        stack.push(popMark());
        break; // TUPLE
      case 0x85:
        stack.push(stack.splice(-1));
        break;
      case 0x86:
        stack.push(stack.splice(-2));
        break;
      case 0x87:
        stack.push(stack.splice(-3));
        break;
      case 0x61: {
        const item = stack.pop();
        (top() as unknown[]).push(item);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        (top() as unknown[]).push(...items);
        break;
      } // APPENDS
      case 0x73: {
        const [k, v] = stack.splice(-2);
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      } // SETITEMS
      case 0x63:
        stack.push(global(`${line()}.${line()}`));
        break; // GLOBAL
      case 0x93: {
        const [module, name] = stack.splice(-2) as string[];
        stack.push(global(`${module}.${name}`));
        break;
      } // STACK_GLOBAL
      case 0x52: {
        // REDUCE
        const [callable, args] = stack.splice(-2) as [Global, unknown[]];
        if (callable.path.endsWith('._reconstruct')) stack.push(new PickledArray());
        else if (callable.path === 'numpy.dtype') stack.push(new PickledDtype(text(args[0])));
        else if (callable.path === '_codecs.encode') stack.push(latin1(text(args[0])));
        else throw fail(`cannot call ${callable.path}`);
        break;
      }
      case 0x62: {
        // BUILD
        const state = stack.pop() as unknown[];
        const target = top();
        if (target instanceof PickledDtype) target.order = text(state[1]);
        else if (target instanceof PickledArray) {
          const [, shape, dtype, fortran, data] = state as [number, number[], PickledDtype, boolean, unknown];
          if (!(data instanceof Uint8Array)) throw fail('a numpy array of Python objects');
          Object.assign(target, { shape, dtype: dtype.code, order: dtype.order, fortran, data });
        } else throw fail('BUILD on an unsupported object');
        break;
      }
      default:
        throw fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
