import { type LoadedKind, loadPartsOfKind, partsOfKindFromJson } from './loaders/load-parts.js';
import { PipelineTokenizer } from './pipeline-tokenizer.js';

const KIND = 'unigram' satisfies LoadedKind;

/** SentencePiece Unigram (T5, ALBERT-style conversions), identical to Hugging Face's, with UTF-16 offsets. */
export class UnigramTokenizer extends PipelineTokenizer {
  /** Loads a tokenizer.json or a model directory holding one. */
  static fromFile(path: string): UnigramTokenizer {
    return new UnigramTokenizer(loadPartsOfKind(path, KIND));
  }

  /** Builds from a parsed (or string) tokenizer.json; `source` names it in errors. */
  static fromJSON(json: unknown, source = 'tokenizer.json'): UnigramTokenizer {
    return new UnigramTokenizer(partsOfKindFromJson(json, source, KIND));
  }

  readonly kind = KIND as typeof KIND;
}
