import { readSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { PytorchBinError } from './errors.js';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate; torch.save stores everything, other writers may deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Absolute offset of the entry's (possibly compressed) bytes. */
  dataOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
const U32_MAX = 0xffffffff;

/**
 * Random access to the entries of a zip archive through a file descriptor: only the central directory
 * and local headers are read at open, entry bytes on demand (a 400 MB checkpoint is never loaded whole).
 */
export class ZipReader {
  private constructor(
    private readonly fd: number,
    readonly path: string,
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  static open(fd: number, size: number, path: string): ZipReader {
    const read = (length: number, position: number): Buffer => readExact(fd, path, length, position);
    const tailLength = Math.min(size, 22 + MAX_COMMENT);
    const tail = read(tailLength, size - tailLength);
    let at = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tailLength) {
        at = i;
        break;
      }
    }
    if (at < 0) throw new PytorchBinError('E_TRUNCATED', path, 'no zip end-of-central-directory record: the file is truncated or not a zip archive');
    const eocdPosition = size - tailLength + at;
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    let cdEnd = eocdPosition;
    // torch.save (miniz) always writes zip64 records; other writers only when a field overflows.
    if (eocdPosition >= 20) {
      const locator = read(20, eocdPosition - 20);
      if (locator.readUInt32LE(0) === ZIP64_LOCATOR) {
        const recordAt = u64(locator, 8, path);
        if (recordAt + 56 > eocdPosition) throw new PytorchBinError('E_BAD_ZIP', path, `zip64 end-of-central-directory offset ${recordAt} is past the end record`);
        const record = read(56, recordAt);
        if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new PytorchBinError('E_BAD_ZIP', path, `no zip64 end-of-central-directory record at byte ${recordAt}`);
        count = u64(record, 32, path);
        cdSize = u64(record, 40, path);
        cdOffset = u64(record, 48, path);
        cdEnd = recordAt;
      }
    }
    if (cdOffset + cdSize > cdEnd) {
      throw new PytorchBinError('E_TRUNCATED', path, `central directory (${cdSize} bytes at ${cdOffset}) runs past byte ${cdEnd}: the file is truncated or damaged`);
    }
    const cd = read(cdSize, cdOffset);
    const entries = new Map<string, ZipEntry>();
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw new PytorchBinError('E_BAD_ZIP', path, `central directory entry ${n} of ${count} is damaged`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let size32 = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      let localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
      // The zip64 extra field holds, in this order, only the fields whose 32-bit slot is saturated.
      const extra = cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
      for (let e = 0; e + 4 <= extra.length; ) {
        const id = extra.readUInt16LE(e);
        const length = extra.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let f = e + 4;
          const next = (): number => {
            if (f + 8 > e + 4 + length) throw new PytorchBinError('E_BAD_ZIP', path, `entry ${name}: zip64 extra field too short`);
            const v = u64(extra, f, path);
            f += 8;
            return v;
          };
          if (size32 === U32_MAX) size32 = next();
          if (compressedSize === U32_MAX) compressedSize = next();
          if (localOffset === U32_MAX) localOffset = next();
        }
        e += 4 + length;
      }
      p += 46 + nameLength + extraLength + commentLength;
      if (flags & 1) throw new PytorchBinError('E_BAD_ZIP', path, `entry ${name} is encrypted`);
      if (method !== 0 && method !== 8) throw new PytorchBinError('E_BAD_ZIP', path, `entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are read`);
      if (method === 0 && compressedSize !== size32) throw new PytorchBinError('E_BAD_ZIP', path, `stored entry ${name} has compressed size ${compressedSize} but size ${size32}`);
      if (localOffset + 30 > cdOffset) throw new PytorchBinError('E_TRUNCATED', path, `entry ${name}: local header at byte ${localOffset} is past the data area`);
      const local = read(30, localOffset);
      if (local.readUInt32LE(0) !== LOCAL) throw new PytorchBinError('E_BAD_ZIP', path, `entry ${name}: no local header at byte ${localOffset}`);
      // The local extra field differs from the central one (torch pads it to align storages to 64 bytes).
      const dataOffset = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (dataOffset + compressedSize > cdOffset) {
        throw new PytorchBinError('E_TRUNCATED', path, `entry ${name} (${compressedSize} bytes at ${dataOffset}) runs past the data area ending at byte ${cdOffset}`);
      }
      entries.set(name, { name, method, compressedSize, size: size32, crc32: crc, dataOffset });
    }
    return new ZipReader(fd, path, entries);
  }

  /** The whole entry, inflated and checked against its CRC-32. */
  readEntry(name: string): Buffer {
    const entry = this.entries.get(name);
    if (!entry) throw new PytorchBinError('E_MISSING_ENTRY', this.path, `zip archive has no entry ${name}`);
    const raw = readExact(this.fd, this.path, entry.compressedSize, entry.dataOffset);
    let data = raw;
    if (entry.method === 8) {
      try {
        data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
      } catch (cause) {
        throw new PytorchBinError('E_BAD_ZIP', this.path, `entry ${name}: deflate stream is damaged (${(cause as Error).message})`, { cause });
      }
      if (data.length !== entry.size) throw new PytorchBinError('E_BAD_ZIP', this.path, `entry ${name} inflates to ${data.length} bytes, directory says ${entry.size}`);
    }
    // zlib.crc32 exists from Node 20.15; older runtimes skip the check rather than fail.
    const crc = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    if (crc && crc(data) !== entry.crc32) throw new PytorchBinError('E_BAD_ZIP', this.path, `entry ${name} fails its CRC-32 check (damaged file)`);
    return data;
  }

  /**
   * `target.length` bytes of the entry's uncompressed content starting at `start`. Stored entries are
   * read in place; deflated ones are inflated whole first.
   */
  readRange(name: string, start: number, target: Uint8Array): void {
    const entry = this.entries.get(name);
    if (!entry) throw new PytorchBinError('E_MISSING_ENTRY', this.path, `zip archive has no entry ${name}`);
    if (start + target.length > entry.size) throw new PytorchBinError('E_TRUNCATED', this.path, `entry ${name} has ${entry.size} bytes, ${start + target.length} needed`);
    if (entry.method === 8) {
      target.set(this.readEntry(name).subarray(start, start + target.length));
      return;
    }
    readInto(this.fd, this.path, target, entry.dataOffset + start);
  }
}

function u64(buffer: Buffer, offset: number, path: string): number {
  const v = buffer.readBigUInt64LE(offset);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PytorchBinError('E_BAD_ZIP', path, `zip64 field at ${offset} holds ${v}, not a plausible size`);
  return Number(v);
}

function readExact(fd: number, path: string, length: number, position: number): Buffer {
  const target = Buffer.alloc(length);
  readInto(fd, path, target, position);
  return target;
}

function readInto(fd: number, path: string, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) throw new PytorchBinError('E_TRUNCATED', path, `file ends at byte ${position + done}, inside zip data`);
    done += n;
  }
}
