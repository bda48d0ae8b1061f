import { PytorchBinError } from './errors.js';
import { PickleCursor } from './pickle-cursor.js';
import type { PickleGlobal } from './pickle-values.js';
import { PyDict, describe, isGlobal } from './pickle-values.js';

export interface UnpickleOptions {
  /** Named in every error. */
  file: string;
  /** The allowlist: undefined refuses the global with E_UNSAFE_PICKLE before anything uses it. */
  resolveGlobal(module: string, name: string): PickleGlobal | undefined;
  /** BINPERSID / PERSID; absent means the pickle may not use persistent ids. */
  persistentLoad?(pid: unknown): unknown;
  /** Objects (besides dicts) that BUILD may target; their state is dropped, never applied. */
  acceptsBuild?(target: unknown): boolean;
}

const MARK = Symbol('mark');

/**
 * A restricted unpickler (protocols 0-5, no out-of-band buffers). Tuples are frozen arrays, lists
 * arrays, dicts PyDict, sets Set, bytes Uint8Array, ints numbers (bigint beyond 2^53).
 */
export function unpickle(data: Uint8Array, options: UnpickleOptions): unknown {
  const { file } = options;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let opAt = 0;

  const bad = (message: string): PytorchBinError => new PytorchBinError('E_BAD_PICKLE', file, `data.pkl byte ${opAt}: ${message}`);
  const c = new PickleCursor(data, bad);
  const pop = (): unknown => {
    if (stack.length === 0) throw bad('stack underflow');
    const v = stack.pop();
    if (v === MARK) throw bad('unexpected MARK');
    return v;
  };
  const top = (): unknown => {
    if (stack.length === 0) throw bad('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = marks.pop();
    if (previous === undefined) throw bad('no MARK to pop to');
    stack = previous;
    return items;
  };
  const global = (module: string, name: string): PickleGlobal => {
    const resolved = options.resolveGlobal(module, name);
    if (resolved === undefined) {
      throw new PytorchBinError(
        'E_UNSAFE_PICKLE',
        file,
        `data.pkl byte ${opAt} names the global ${module}.${name}, which a state dict never needs; refusing to load it (nothing was executed)`,
        { global: `${module}.${name}` },
      );
    }
    return resolved;
  };
  const call = (callable: unknown, args: unknown, how: string): unknown => {
    if (!isGlobal(callable)) throw bad(`${how} on a ${describe(callable)}, not a global`);
    if (!Array.isArray(args)) throw bad(`${how} arguments must be a tuple, got ${describe(args)}`);
    if (!callable.call) {
      throw new PytorchBinError('E_UNSAFE_PICKLE', file, `data.pkl byte ${opAt}: ${how} calls ${callable.module}.${callable.name}, which a state dict never calls; refusing to load it (nothing was executed)`, {
        global: `${callable.module}.${callable.name}`,
      });
    }
    try {
      return callable.call(args);
    } catch (error) {
      if (error instanceof PytorchBinError) throw error;
      throw bad(`${how} ${callable.module}.${callable.name}: ${(error as Error).message}`);
    }
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof PyDict)) throw bad(`SETITEM(S) on a ${describe(target)}`);
    if (items.length % 2 !== 0) throw bad('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target) || Object.isFrozen(target)) throw bad(`APPEND(S) on a ${describe(target)}`);
    // One push per item: spreading a million-item APPENDS would overflow the call stack.
    for (const item of items) target.push(item);
  };
  const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);
  const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const persistent = (pid: unknown): unknown => {
    if (!options.persistentLoad) throw bad('persistent id in a pickle that may not have any');
    try {
      return options.persistentLoad(pid);
    } catch (error) {
      if (error instanceof PytorchBinError) throw error;
      throw bad((error as Error).message);
    }
  };

  for (;;) {
    opAt = c.pos;
    const op = c.u8();
    switch (op) {
      case 0x80: // PROTO
        if (c.u8() > 5) throw bad(`pickle protocol ${data[c.pos - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: framing is only a read-ahead hint
        c.u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) throw bad(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (top() === MARK) throw bad('POP of a MARK');
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(c.i32());
        break;
      case 0x4b: // BININT1
        stack.push(c.u8());
        break;
      case 0x4d: // BININT2
        stack.push(c.u16());
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = op === 0x8a ? c.u8() : c.u32();
        const b = c.bytes(n);
        // Through hex, not a shift per byte: that would be quadratic in a hostile multi-megabyte LONG4.
        let v = n === 0 ? 0n : BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);
        if (n > 0 && (b[n - 1] as number) & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(int(v));
        break;
      }
      case 0x49: // INT (protocol 0; "01"/"00" are booleans)
      case 0x4c: {
        // LONG
        const text = c.line().replace(/L$/, '');
        if (op === 0x49 && (text === '01' || text === '00')) stack.push(text === '01');
        else if (/^[+-]?\d+$/.test(text)) stack.push(int(BigInt(text)));
        else throw bad(`not an integer: ${JSON.stringify(text)}`);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(c.f64());
        break;
      case 0x46: {
        // FLOAT
        const v = Number(c.line());
        if (Number.isNaN(v)) throw bad('not a float');
        stack.push(v);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(c.utf8(c.u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(c.utf8(c.u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(c.utf8(c.u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(Buffer.from(c.bytes(c.u32())).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(Buffer.from(c.bytes(c.u8())).toString('latin1'));
        break;
      case 0x53: // STRING
        stack.push(pythonStringLiteral(c.line(), bad));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        stack.push(c.line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a, b) => String.fromCodePoint(parseInt(a ?? b, 16))));
        break;
      case 0x42: // BINBYTES
        stack.push(c.bytes(c.u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(c.bytes(c.u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(c.bytes(c.u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push(tuple(items));
        break;
      }
      case 0x74: {
        // TUPLE (popMark swaps `stack`, so it runs before the push is looked up)
        const items = popMark();
        stack.push(tuple(items));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) throw bad(`ADDITEMS on a ${describe(set)}`);
        for (const item of items) set.add(item);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(c.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(c.u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x70: // PUT
        memo.set(Number(c.line()), top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const key = op === 0x68 ? c.u8() : op === 0x6a ? c.u32() : Number(c.line());
        if (!memo.has(key)) throw bad(`memo has no entry ${key}`);
        stack.push(memo.get(key));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = c.line();
        stack.push(global(module, c.line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw bad('STACK_GLOBAL needs two strings');
        stack.push(global(module, name));
        break;
      }
      case 0x69: {
        // INST: refused or allowed before its arguments are looked at
        const module = c.line();
        const cls = global(module, c.line());
        const args = popMark();
        stack.push(call(cls, args, 'INST'));
        break;
      }
      case 0x6f: {
        // OBJ
        const [cls, ...args] = popMark();
        stack.push(call(cls, args, 'OBJ'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args, 'NEWOBJ'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        if (!(kwargs instanceof PyDict) || kwargs.size > 0) throw bad('NEWOBJ_EX with keyword arguments');
        stack.push(call(pop(), args, 'NEWOBJ_EX'));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args, 'REDUCE'));
        break;
      }
      case 0x62: {
        // BUILD: state is data; dicts keep it (a state dict's _metadata), tensors drop it
        const state = pop();
        const target = top();
        if (target instanceof PyDict) target.attributes = state;
        else if (!options.acceptsBuild?.(target)) throw bad(`BUILD on a ${describe(target)}`);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistent(c.line()));
        break;
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: {
        // EXT4: the copyreg extension registry names globals indirectly; refuse
        const code = op === 0x82 ? c.u8() : op === 0x83 ? c.u16() : c.u32();
        throw new PytorchBinError('E_UNSAFE_PICKLE', file, `data.pkl byte ${opAt} names a global through copyreg extension code ${code}; refusing to load it (nothing was executed)`, {
          global: `copyreg.extension[${code}]`,
        });
      }
      default:
        throw bad(`opcode 0x${op.toString(16).padStart(2, '0')} is not supported in a state dict (out-of-band buffers and unknown opcodes are refused)`);
    }
  }
}

/** A protocol-0 STRING argument: a quoted Python literal with backslash escapes. */
function pythonStringLiteral(text: string, bad: (message: string) => Error): string {
  const quote = text[0];
  if (text.length < 2 || (quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) throw bad('STRING argument is not quoted');
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (simple[e] ?? `\\${e}`)));
}
