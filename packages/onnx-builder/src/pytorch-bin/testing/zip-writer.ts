import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipFixtureEntry {
  name: string;
  data: Uint8Array;
  /** Default 'store', as torch.save writes. */
  method?: 'store' | 'deflate';
}

export interface ZipFixtureOptions {
  /** Write zip64 end records and saturate the 32-bit fields of every central entry (as big archives do). */
  zip64?: boolean;
  /** Pad local headers with an extra field so data starts on this boundary, like torch.save (64). */
  align?: number;
}

/** A minimal zip writer for test fixtures (a second, independent implementation of the format). */
export function writeZip(entries: ZipFixtureEntry[], options: ZipFixtureOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const deflate = entry.method === 'deflate';
    const body = deflate ? deflateRawSync(entry.data) : Buffer.from(entry.data);
    const crc = crc32(entry.data);
    let extra = Buffer.alloc(0);
    if (options.align) {
      const unpadded = offset + 30 + name.length + 4;
      const pad = (options.align - (unpadded % options.align)) % options.align;
      extra = Buffer.alloc(4 + pad, 0x5a);
      extra.writeUInt16LE(0x4246, 0); // "FB", torch's padding field id
      extra.writeUInt16LE(pad, 2);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 20 : 10, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    parts.push(local, name, extra, body);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(45, 4);
    record.writeUInt16LE(options.zip64 ? 45 : 20, 6);
    record.writeUInt16LE(deflate ? 8 : 0, 10);
    record.writeUInt32LE(crc, 16);
    let centralExtra = Buffer.alloc(0);
    if (options.zip64) {
      record.writeUInt32LE(0xffffffff, 20);
      record.writeUInt32LE(0xffffffff, 24);
      record.writeUInt32LE(0xffffffff, 42);
      centralExtra = Buffer.alloc(28);
      centralExtra.writeUInt16LE(0x0001, 0);
      centralExtra.writeUInt16LE(24, 2);
      centralExtra.writeBigUInt64LE(BigInt(entry.data.length), 4);
      centralExtra.writeBigUInt64LE(BigInt(body.length), 12);
      centralExtra.writeBigUInt64LE(BigInt(offset), 20);
    } else {
      record.writeUInt32LE(body.length, 20);
      record.writeUInt32LE(entry.data.length, 24);
      record.writeUInt32LE(offset, 42);
    }
    record.writeUInt16LE(name.length, 28);
    record.writeUInt16LE(centralExtra.length, 30);
    central.push(record, name, centralExtra);
    offset += 30 + name.length + extra.length + body.length;
  }
  const cd = Buffer.concat(central);
  const cdOffset = offset;
  const tail: Buffer[] = [];
  if (options.zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(cd.length), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(cdOffset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(options.zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : cd.length, 12);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : cdOffset, 16);
  return Buffer.concat([...parts, cd, ...tail, end]);
}
