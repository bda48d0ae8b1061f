import { writeZip } from './zip-writer.js';
import type { ZipFixtureEntry } from './zip-writer.js';

/** Opcode emitter for hand-built pickles; 'protocol2' is what torch.save writes, 'protocol4' the newer opcodes. */
export class PickleWriter {
  private readonly out: number[] = [];
  private memo = 0;

  constructor(readonly style: 'protocol2' | 'protocol4' = 'protocol2') {}

  raw(...bytes: number[]): this {
    for (const b of bytes) this.out.push(b);
    return this;
  }

  /** Protocol-0 text (opcode letters, newline-terminated arguments). */
  text(s: string): this {
    return this.raw(...Buffer.from(s, 'latin1'));
  }

  private u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return this.raw(...b);
  }

  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (this.style === 'protocol4' && b.length < 256) return this.raw(0x8c, b.length, ...b);
    return this.raw(0x58).u32(b.length).raw(...b);
  }

  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    if (n >= -(2 ** 31) && n < 2 ** 31) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(n);
      return this.raw(0x4a, ...b);
    }
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return this.raw(0x8a, 8, ...b);
  }

  global(module: string, name: string): this {
    if (this.style === 'protocol4') return this.str(module).str(name).raw(0x93);
    return this.text(`c${module}\n${name}\n`);
  }

  tuple(items: number[]): this {
    if (items.length === 0) return this.raw(0x29);
    if (items.length > 3) this.raw(0x28);
    for (const i of items) this.int(i);
    return this.raw(items.length > 3 ? 0x74 : 0x84 + items.length);
  }

  put(): number {
    const index = this.memo++;
    if (this.style === 'protocol4') this.raw(0x94);
    else if (index < 256) this.raw(0x71, index);
    else this.raw(0x72).u32(index);
    return index;
  }

  get(index: number): this {
    return index < 256 ? this.raw(0x68, index) : this.raw(0x6a).u32(index);
  }

  /** PROTO, the body (in one FRAME for protocol 4) and STOP. */
  finish(): Uint8Array {
    const body = [...this.out, 0x2e];
    if (this.style === 'protocol2') return Uint8Array.from([0x80, 2, ...body]);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(body.length));
    return Uint8Array.from([0x80, 4, 0x95, ...length, ...body]);
  }
}

export interface FixtureTensor {
  name: string;
  /** Storage key (zip entry `<archive>/data/<key>`); several tensors may share one. */
  storage: string;
  storageType: string;
  storageNumel: number;
  shape: number[];
  /** Default: row-major. */
  stride?: number[];
  offset?: number;
  /** Saved as an nn.Parameter (torch._utils._rebuild_parameter around the tensor). */
  parameter?: boolean;
  /** Another name of an earlier tensor (memo reference, as torch writes tied weights). */
  aliasOf?: string;
}

/** A state dict pickle laid out as torch.save writes it; `between` may add raw items after the first tensor. */
export function stateDictPickle(tensors: FixtureTensor[], style: 'protocol2' | 'protocol4' = 'protocol2', between?: (w: PickleWriter) => void): Uint8Array {
  const w = new PickleWriter(style);
  w.global('collections', 'OrderedDict');
  const orderedDict = w.put();
  w.raw(0x29, 0x52);
  w.put();
  w.raw(0x28);
  const memoOf = new Map<string, number>();
  let rebuild = -1;
  tensors.forEach((t, i) => {
    w.str(t.name);
    w.put();
    const alias = t.aliasOf === undefined ? undefined : memoOf.get(t.aliasOf);
    if (alias !== undefined) {
      w.get(alias);
    } else {
      if (t.parameter) w.global('torch._utils', '_rebuild_parameter').raw(0x28);
      if (rebuild < 0) {
        w.global('torch._utils', '_rebuild_tensor_v2');
        rebuild = w.put();
      } else w.get(rebuild);
      w.raw(0x28, 0x28).str('storage').global('torch', t.storageType).str(t.storage).str('cpu').int(t.storageNumel).raw(0x74, 0x51);
      w.int(t.offset ?? 0).tuple(t.shape).tuple(t.stride ?? rowMajor(t.shape)).raw(0x89);
      w.get(orderedDict).raw(0x29, 0x52, 0x74, 0x52);
      if (t.parameter) w.raw(0x88).get(orderedDict).raw(0x29, 0x52, 0x74, 0x52);
      memoOf.set(t.name, w.put());
    }
    if (i === 0 && between) between(w);
  });
  w.raw(0x75);
  return w.finish();
}

export function rowMajor(shape: number[]): number[] {
  const stride = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) stride[i] = (stride[i + 1] as number) * (shape[i + 1] as number);
  return stride;
}

export interface CheckpointFixture {
  archive?: string;
  pickle: Uint8Array;
  storages: Record<string, Uint8Array>;
  byteorder?: 'little' | 'big';
  zip64?: boolean;
  deflate?: boolean;
}

/** The bytes of a torch.save zip archive: data.pkl, data/<key>, version (and byteorder if given). */
export function torchCheckpoint(fixture: CheckpointFixture): Buffer {
  const top = fixture.archive ?? 'archive';
  const method = fixture.deflate ? 'deflate' : 'store';
  const entries: ZipFixtureEntry[] = [{ name: `${top}/data.pkl`, data: fixture.pickle, method }];
  if (fixture.byteorder) entries.push({ name: `${top}/byteorder`, data: Buffer.from(fixture.byteorder) });
  for (const [key, data] of Object.entries(fixture.storages)) entries.push({ name: `${top}/data/${key}`, data, method });
  entries.push({ name: `${top}/version`, data: Buffer.from('3\n') });
  return writeZip(entries, { align: 64, zip64: fixture.zip64 ?? false });
}
