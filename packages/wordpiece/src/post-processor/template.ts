import { TokenizerError } from '../errors.js';

export type TemplatePiece =
  | { kind: 'special'; name: string; typeId: number }
  | { kind: 'sequence'; sequence: 0 | 1; typeId: number };

export interface SpecialTokenDefinition {
  name: string;
  ids: number[];
  tokens: string[];
}

/**
 * TemplateProcessing: where special tokens go around one sequence or a pair, and which type id each
 * part gets. BertProcessing is the template "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1".
 */
export class TemplateProcessor {
  readonly single: readonly TemplatePiece[];
  readonly pair: readonly TemplatePiece[];
  readonly specialTokens: ReadonlyMap<string, SpecialTokenDefinition>;
  /** RobertaProcessing / ByteLevel trim_offsets: offsets leave out leading and trailing spaces. */
  readonly trim: { addPrefixSpace: boolean } | null;
  /**
   * Rust's TemplateProcessing sets the template's type ids on each sequence's main window only: an
   * overflow window of a sequence keeps the type id it was encoded with (0 for A, 1 for B).
   * RobertaProcessing sets them on every window.
   */
  readonly overflowKeepsSequenceTypeIds: boolean;

  constructor(
    single: TemplatePiece[],
    pair: TemplatePiece[],
    specialTokens: Map<string, SpecialTokenDefinition>,
    trim: { addPrefixSpace: boolean } | null = null,
    overflowKeepsSequenceTypeIds = true,
  ) {
    for (const piece of [...single, ...pair]) {
      if (piece.kind === 'special' && !specialTokens.has(piece.name)) {
        throw new TokenizerError(
          'E_MALFORMED_TOKENIZER_JSON',
          `post_processor template uses special token ${JSON.stringify(piece.name)} that is not in its special_tokens`,
        );
      }
    }
    this.single = single;
    this.pair = pair;
    this.specialTokens = specialTokens;
    this.trim = trim;
    this.overflowKeepsSequenceTypeIds = overflowKeepsSequenceTypeIds;
  }

  /**
   * RobertaProcessing: "<s> $A </s>" and "<s> $A </s> </s> $B </s>", every type id 0 (RoBERTa has one
   * segment embedding), with trim_offsets.
   */
  static roberta(cls: [string, number], sep: [string, number], trimOffsets: boolean, addPrefixSpace: boolean): TemplateProcessor {
    const specials = new Map<string, SpecialTokenDefinition>([
      [cls[0], { name: cls[0], ids: [cls[1]], tokens: [cls[0]] }],
      [sep[0], { name: sep[0], ids: [sep[1]], tokens: [sep[0]] }],
    ]);
    const special = (name: string): TemplatePiece => ({ kind: 'special', name, typeId: 0 });
    return new TemplateProcessor(
      [special(cls[0]), { kind: 'sequence', sequence: 0, typeId: 0 }, special(sep[0])],
      [special(cls[0]), { kind: 'sequence', sequence: 0, typeId: 0 }, special(sep[0]), special(sep[0]), { kind: 'sequence', sequence: 1, typeId: 0 }, special(sep[0])],
      specials,
      trimOffsets ? { addPrefixSpace } : null,
      false,
    );
  }

  /** The ByteLevel post-processor: no special tokens, only trim_offsets (when on). */
  static byteLevel(trimOffsets: boolean, addPrefixSpace: boolean): TemplateProcessor {
    return new TemplateProcessor(
      [{ kind: 'sequence', sequence: 0, typeId: 0 }],
      [{ kind: 'sequence', sequence: 0, typeId: 0 }, { kind: 'sequence', sequence: 1, typeId: 1 }],
      new Map(),
      trimOffsets ? { addPrefixSpace } : null,
    );
  }

  static bert(cls: [string, number], sep: [string, number]): TemplateProcessor {
    const specials = new Map<string, SpecialTokenDefinition>([
      [cls[0], { name: cls[0], ids: [cls[1]], tokens: [cls[0]] }],
      [sep[0], { name: sep[0], ids: [sep[1]], tokens: [sep[0]] }],
    ]);
    return new TemplateProcessor(
      [
        { kind: 'special', name: cls[0], typeId: 0 },
        { kind: 'sequence', sequence: 0, typeId: 0 },
        { kind: 'special', name: sep[0], typeId: 0 },
      ],
      [
        { kind: 'special', name: cls[0], typeId: 0 },
        { kind: 'sequence', sequence: 0, typeId: 0 },
        { kind: 'special', name: sep[0], typeId: 0 },
        { kind: 'sequence', sequence: 1, typeId: 1 },
        { kind: 'special', name: sep[0], typeId: 1 },
      ],
      specials,
    );
  }

  /** How many tokens the template adds; truncation reserves room for them. */
  addedTokens(isPair: boolean): number {
    let n = 0;
    for (const piece of isPair ? this.pair : this.single) {
      if (piece.kind === 'special') n += (this.specialTokens.get(piece.name) as SpecialTokenDefinition).ids.length;
    }
    return n;
  }
}
