import type { Encoding } from '../pipeline/encoding.js';
import { RawEncoding, allocateEncoding } from '../pipeline/encoding.js';
import type { PaddingParams } from '../pipeline/padding.js';
import type { TokenSink } from '../pipeline/token-sink.js';
import type { SpecialTokenDefinition, TemplatePiece, TemplateProcessor } from './template.js';
import { mayTrim, trimOffsets } from './trim-offsets.js';

/** Reusable output of one input window before padding. */
export class Assembler {
  raw = new RawEncoding(512);
  /** Token strings, by position; shared references into the vocabulary, never new strings. */
  tokens: string[] = [];
  private readonly pair = new Int32Array(2);

  constructor(
    private readonly template: TemplateProcessor | null,
    private readonly idToToken: readonly (string | undefined)[],
  ) {}

  /**
   * The same layout as `assemble` written straight into a plain Encoding, for the common unpadded
   * single-window case: one copy of each token instead of two.
   */
  encoding(a: TokenSink, a0: number, a1: number, b: TokenSink | null, b0: number, b1: number, addSpecialTokens: boolean): Encoding {
    const specials = addSpecialTokens && this.template !== null ? this.template.addedTokens(b !== null) : 0;
    const e = allocateEncoding(a1 - a0 + (b === null ? 0 : b1 - b0) + specials);
    if (this.template === null) {
      const p = this.fillSequence(e, 0, a, a0, a1, 0, 0);
      if (b !== null) this.fillSequence(e, p, b, b0, b1, 1, 1);
      return e;
    }
    let p = 0;
    const pieces: readonly TemplatePiece[] = b === null ? this.template.single : this.template.pair;
    for (const piece of pieces) {
      if (piece.kind === 'sequence') {
        if (piece.sequence === 0) p = this.fillSequence(e, p, a, a0, a1, piece.typeId, 0);
        else if (b !== null) p = this.fillSequence(e, p, b, b0, b1, piece.typeId, 1);
      } else if (addSpecialTokens) {
        const def = this.template.specialTokens.get(piece.name) as SpecialTokenDefinition;
        for (let k = 0; k < def.ids.length; k++, p++) {
          e.ids[p] = def.ids[k] as number;
          e.tokens[p] = def.tokens[k] ?? '';
          e.offsets[p] = [0, 0];
          e.typeIds[p] = piece.typeId;
          e.attentionMask[p] = 1;
          e.specialTokensMask[p] = 1;
          e.wordIds[p] = null;
          e.sequenceIds[p] = null;
        }
      }
    }
    return e;
  }

  private fillSequence(e: Encoding, at: number, sink: TokenSink, from: number, to: number, typeId: number, sequence: number): number {
    const { ids, starts, ends, words } = sink;
    const idToToken = this.idToToken;
    let p = at;
    for (let k = from; k < to; k++, p++) {
      const id = ids[k] as number;
      e.ids[p] = id;
      e.tokens[p] = idToToken[id] ?? '';
      e.offsets[p] = [starts[k] as number, ends[k] as number];
      e.typeIds[p] = typeId;
      e.attentionMask[p] = 1;
      e.specialTokensMask[p] = 0;
      e.wordIds[p] = words[k] as number;
      e.sequenceIds[p] = sequence;
    }
    if (sink.texts.size > 0) {
      for (const [k, text] of sink.texts) if (k >= from && k < to) e.tokens[at + k - from] = text;
    }
    const trim = this.template?.trim;
    if (trim) {
      const pair = new Int32Array(2);
      for (let q = at; q < p; q++) {
        const token = e.tokens[q] as string;
        if (!mayTrim(token)) continue;
        const [s, end] = e.offsets[q] as [number, number];
        trimOffsets(token, q - at, s, end, trim.addPrefixSpace, pair, 0);
        e.offsets[q] = [pair[0] as number, pair[1] as number];
      }
    }
    return p;
  }

  /** Lays out [specials] A[a0,a1) [specials] B[b0,b1) [specials] as the template says. */
  assemble(
    a: TokenSink,
    a0: number,
    a1: number,
    b: TokenSink | null,
    b0: number,
    b1: number,
    addSpecialTokens: boolean,
    overflowA = false,
    overflowB = false,
  ): RawEncoding {
    const raw = this.raw;
    const total = a1 - a0 + (b === null ? 0 : b1 - b0) + (this.template ? this.template.addedTokens(b !== null) : 0);
    if (total > raw.ids.length) this.raw = new RawEncoding(Math.max(total, raw.ids.length * 2));
    this.raw.length = 0;
    if (this.raw.texts.size > 0) this.raw.texts.clear();
    if (this.template === null) {
      this.copySequence(a, a0, a1, 0, 0);
      if (b !== null) this.copySequence(b, b0, b1, 1, 1);
      return this.raw;
    }
    const pieces: readonly TemplatePiece[] = b === null ? this.template.single : this.template.pair;
    const keep = this.template.overflowKeepsSequenceTypeIds;
    for (const piece of pieces) {
      if (piece.kind === 'sequence') {
        if (piece.sequence === 0) this.copySequence(a, a0, a1, keep && overflowA ? 0 : piece.typeId, 0);
        else if (b !== null) this.copySequence(b, b0, b1, keep && overflowB ? 1 : piece.typeId, 1);
      } else if (addSpecialTokens) {
        this.pushSpecial(this.template.specialTokens.get(piece.name) as SpecialTokenDefinition, piece.typeId);
      }
    }
    return this.raw;
  }

  private copySequence(sink: TokenSink, from: number, to: number, typeId: number, sequence: number): void {
    const raw = this.raw;
    const tokens = this.tokens;
    const idToToken = this.idToToken;
    let p = raw.length;
    for (let k = from; k < to; k++, p++) {
      const id = sink.ids[k] as number;
      raw.ids[p] = id;
      raw.typeIds[p] = typeId;
      raw.starts[p] = sink.starts[k] as number;
      raw.ends[p] = sink.ends[k] as number;
      raw.words[p] = sink.words[k] as number;
      raw.sequences[p] = sequence;
      raw.special[p] = 0;
      raw.attention[p] = 1;
      tokens[p] = idToToken[id] ?? '';
    }
    if (sink.texts.size > 0) {
      for (const [k, text] of sink.texts) {
        if (k < from || k >= to) continue;
        tokens[raw.length + k - from] = text;
        raw.texts.set(raw.length + k - from, text);
      }
    }
    const trim = this.template?.trim;
    if (trim) {
      for (let q = raw.length; q < p; q++) {
        const token = tokens[q] as string;
        if (!mayTrim(token)) continue;
        trimOffsets(token, q - raw.length, raw.starts[q] as number, raw.ends[q] as number, trim.addPrefixSpace, this.pair, 0);
        raw.starts[q] = this.pair[0] as number;
        raw.ends[q] = this.pair[1] as number;
      }
    }
    raw.length = p;
  }

  private pushSpecial(def: SpecialTokenDefinition, typeId: number): void {
    const raw = this.raw;
    for (let k = 0; k < def.ids.length; k++) {
      const p = raw.length++;
      raw.ids[p] = def.ids[k] as number;
      raw.typeIds[p] = typeId;
      raw.starts[p] = 0;
      raw.ends[p] = 0;
      raw.words[p] = -1;
      raw.sequences[p] = -1;
      raw.special[p] = 1;
      raw.attention[p] = 1;
      this.tokens[p] = def.tokens[k] ?? '';
    }
  }
}

/** Copies an assembled window into a plain Encoding, padded to `padTo` when padding is given. */
export function materialize(raw: RawEncoding, tokens: readonly string[], padding: PaddingParams | null, padTo: number): Encoding {
  const n = raw.length;
  const pad = padding !== null && padTo > n ? padTo - n : 0;
  const e = allocateEncoding(n + pad);
  const shift = padding !== null && padding.direction === 'left' ? pad : 0;
  const { ids, starts, ends, typeIds, special, words, sequences } = raw;
  for (let k = 0; k < n; k++) {
    const p = k + shift;
    e.ids[p] = ids[k] as number;
    e.tokens[p] = tokens[k] as string;
    e.offsets[p] = [starts[k] as number, ends[k] as number];
    e.typeIds[p] = typeIds[k] as number;
    e.attentionMask[p] = 1;
    e.specialTokensMask[p] = special[k] as number;
    const w = words[k] as number;
    e.wordIds[p] = w < 0 ? null : w;
    const s = sequences[k] as number;
    e.sequenceIds[p] = s < 0 ? null : s;
  }
  if (pad > 0 && padding !== null) {
    const from = shift > 0 ? 0 : n;
    for (let p = from; p < from + pad; p++) {
      e.ids[p] = padding.padId;
      e.tokens[p] = padding.padToken;
      e.offsets[p] = [0, 0];
      e.typeIds[p] = padding.padTypeId;
      e.attentionMask[p] = 0;
      e.specialTokensMask[p] = 1;
      e.wordIds[p] = null;
      e.sequenceIds[p] = null;
    }
  }
  return e;
}
