import { type LoadedKind, loadPartsOfKind, partsOfKindFromJson } from './loaders/load-parts.js';
import { PipelineTokenizer } from './pipeline-tokenizer.js';

export type { BatchOptions, DecodeOptions, PairInput, TokenizerParts } from './pipeline-tokenizer.js';

const KIND = 'wordpiece' satisfies LoadedKind;

/** BERT WordPiece tokenizer, token for token identical to Hugging Face's, with UTF-16 offsets. */
export class WordPieceTokenizer extends PipelineTokenizer {
  /**
   * Loads a tokenizer.json, a vocab.txt (with tokenizer_config.json beside it) or a model directory.
   * Throws E_UNSUPPORTED_TOKENIZER for other models; `loadTokenizer` loads any of them.
   */
  static fromFile(path: string): WordPieceTokenizer {
    return new WordPieceTokenizer(loadPartsOfKind(path, KIND));
  }

  /** Builds from a parsed (or string) tokenizer.json; `source` names it in errors. */
  static fromJSON(json: unknown, source = 'tokenizer.json'): WordPieceTokenizer {
    return new WordPieceTokenizer(partsOfKindFromJson(json, source, KIND));
  }

  readonly kind = KIND as typeof KIND;
}
