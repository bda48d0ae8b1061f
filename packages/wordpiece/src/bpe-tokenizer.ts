import { type LoadedKind, loadPartsOfKind, partsOfKindFromJson } from './loaders/load-parts.js';
import { PipelineTokenizer } from './pipeline-tokenizer.js';

const KIND = 'bpe' satisfies LoadedKind;

/**
 * Byte-pair encoding (RoBERTa, GPT-2 and other byte-level BPE files), identical to Hugging Face's, with
 * UTF-16 offsets.
 */
export class BpeTokenizer extends PipelineTokenizer {
  /** Loads a tokenizer.json, a vocab.json + merges.txt pair, or a model directory holding either. */
  static fromFile(path: string): BpeTokenizer {
    return new BpeTokenizer(loadPartsOfKind(path, KIND));
  }

  /** Builds from a parsed (or string) tokenizer.json; `source` names it in errors. */
  static fromJSON(json: unknown, source = 'tokenizer.json'): BpeTokenizer {
    return new BpeTokenizer(partsOfKindFromJson(json, source, KIND));
  }

  readonly kind = KIND as typeof KIND;
}
