import { BatchEncoding } from './batch-encoding.js';
import type { RawEncoding } from './encoding.js';
import type { PaddingParams } from './padding.js';
import { paddedLength } from './padding.js';

/** Collects assembled rows back to back, then packs them into a padded BatchEncoding. */
export class RowStore {
  private ids = new Int32Array(4096);
  private typeIds = new Int32Array(4096);
  private starts = new Int32Array(4096);
  private ends = new Int32Array(4096);
  private words = new Int32Array(4096);
  private sequences = new Int8Array(4096);
  private special = new Uint8Array(4096);
  private used = 0;
  private rowStart: number[] = [];
  private rowLength: number[] = [];
  private rowSample: number[] = [];
  /** Row -> (position -> token text), only for rows that have such tokens. */
  private readonly rowTexts = new Map<number, Map<number, string>>();

  add(raw: RawEncoding, sample: number): void {
    const n = raw.length;
    if (this.used + n > this.ids.length) this.grow(this.used + n);
    const at = this.used;
    this.ids.set(raw.ids.subarray(0, n), at);
    this.typeIds.set(raw.typeIds.subarray(0, n), at);
    this.starts.set(raw.starts.subarray(0, n), at);
    this.ends.set(raw.ends.subarray(0, n), at);
    this.words.set(raw.words.subarray(0, n), at);
    for (let k = 0; k < n; k++) this.sequences[at + k] = raw.sequences[k] as number;
    this.special.set(raw.special.subarray(0, n), at);
    this.used += n;
    this.rowStart.push(at);
    this.rowLength.push(n);
    this.rowSample.push(sample);
    if (raw.texts.size > 0) this.rowTexts.set(this.rowStart.length - 1, new Map(raw.texts));
  }

  pack(
    padding: PaddingParams | null,
    fallbackPad: { padId: number; padTypeId: number; padToken: string },
    idToToken: readonly (string | undefined)[],
  ): BatchEncoding {
    const rows = this.rowLength.length;
    let longest = 0;
    for (const n of this.rowLength) if (n > longest) longest = n;
    const target = padding === null ? longest : paddedLength(padding, longest);
    // Rows longer than a fixed max_length stay whole, as in Hugging Face; they widen the packed arrays.
    const L = Math.max(target, longest);
    const padId = padding?.padId ?? fallbackPad.padId;
    const padTypeId = padding?.padTypeId ?? fallbackPad.padTypeId;
    const left = padding?.direction === 'left';
    const inputIds = new Int32Array(rows * L);
    const attentionMask = new Int32Array(rows * L);
    const typeIds = new Int32Array(rows * L);
    const specialTokensMask = new Uint8Array(rows * L);
    const offsets = new Int32Array(rows * L * 2);
    const wordIds = new Int32Array(rows * L);
    const sequenceIds = new Int8Array(rows * L);
    const lengths = new Int32Array(rows);
    const sampleIndex = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const n = this.rowLength[r] as number;
      const src = this.rowStart[r] as number;
      const base = r * L;
      const at = base + (left ? L - n : 0);
      inputIds.set(this.ids.subarray(src, src + n), at);
      attentionMask.fill(1, at, at + n);
      typeIds.set(this.typeIds.subarray(src, src + n), at);
      specialTokensMask.set(this.special.subarray(src, src + n), at);
      wordIds.set(this.words.subarray(src, src + n), at);
      sequenceIds.set(this.sequences.subarray(src, src + n), at);
      for (let k = 0; k < n; k++) {
        offsets[(at + k) * 2] = this.starts[src + k] as number;
        offsets[(at + k) * 2 + 1] = this.ends[src + k] as number;
      }
      const padFrom = left ? base : base + n;
      const padTo = left ? base + L - n : base + L;
      if (padTo > padFrom) {
        inputIds.fill(padId, padFrom, padTo);
        typeIds.fill(padTypeId, padFrom, padTo);
        specialTokensMask.fill(1, padFrom, padTo);
        wordIds.fill(-1, padFrom, padTo);
        sequenceIds.fill(-1, padFrom, padTo);
      }
      lengths[r] = n;
      sampleIndex[r] = this.rowSample[r] as number;
    }
    return new BatchEncoding(
      rows,
      L,
      inputIds,
      attentionMask,
      typeIds,
      specialTokensMask,
      offsets,
      wordIds,
      sequenceIds,
      lengths,
      sampleIndex,
      left,
      padding === null ? -1 : target,
      idToToken,
      padding?.padToken ?? fallbackPad.padToken,
      this.rowTexts,
    );
  }

  private grow(need: number): void {
    let size = this.ids.length * 2;
    while (size < need) size *= 2;
    const grow32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a.subarray(0, this.used));
      return b;
    };
    this.ids = grow32(this.ids);
    this.typeIds = grow32(this.typeIds);
    this.starts = grow32(this.starts);
    this.ends = grow32(this.ends);
    this.words = grow32(this.words);
    const seq = new Int8Array(size);
    seq.set(this.sequences.subarray(0, this.used));
    this.sequences = seq;
    const sp = new Uint8Array(size);
    sp.set(this.special.subarray(0, this.used));
    this.special = sp;
  }
}
