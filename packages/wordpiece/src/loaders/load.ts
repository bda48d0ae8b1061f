import { BpeTokenizer } from '../bpe-tokenizer.js';
import { FallbackTokenizer } from '../fallback-tokenizer.js';
import { WordPieceTokenizer } from '../tokenizer.js';
import { UnigramTokenizer } from '../unigram-tokenizer.js';
import { loadParts } from './load-parts.js';

export interface LoadOptions {
  /** Load tokenizer.json files with stages we do not run natively through @huggingface/tokenizers. Default true. */
  allowFallback?: boolean;
}

/** Every native tokenizer: the same methods, offsets included; `kind` tells them apart. */
export type NativeTokenizer = WordPieceTokenizer | BpeTokenizer | UnigramTokenizer;
export type AnyTokenizer = NativeTokenizer | FallbackTokenizer;

/**
 * Loads tokenizer.json, vocab.txt (+ tokenizer_config.json), vocab.json + merges.txt, or a model
 * directory holding one of them, as the class its model needs: WordPiece, BPE or Unigram natively (with
 * offsets), anything else through @huggingface/tokenizers (`kind: 'fallback'`, no offsets).
 */
export function loadTokenizer(path: string, options: LoadOptions = {}): AnyTokenizer {
  const loaded = loadParts(path);
  if (loaded.kind !== 'other') {
    if (loaded.kind === 'bpe') return new BpeTokenizer(loaded.parts);
    if (loaded.kind === 'unigram') return new UnigramTokenizer(loaded.parts);
    return new WordPieceTokenizer(loaded.parts);
  }
  if (options.allowFallback === false) throw loaded.reason;
  return new FallbackTokenizer(loaded.json, loaded.config, loaded.file, loaded.modelMaxLength);
}
