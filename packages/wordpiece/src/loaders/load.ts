import { FallbackTokenizer } from '../fallback-tokenizer.js';
import { WordPieceTokenizer } from '../tokenizer.js';
import { loadParts } from './load-parts.js';

export interface LoadOptions {
  /** Load non-WordPiece tokenizer.json files through @huggingface/tokenizers. Default true. */
  allowFallback?: boolean;
}

export type AnyTokenizer = WordPieceTokenizer | FallbackTokenizer;

/**
 * Loads tokenizer.json, vocab.txt (+ tokenizer_config.json) or a model directory holding either.
 * BPE/Unigram files load through @huggingface/tokenizers (`kind: 'fallback'`, no offsets).
 */
export function loadTokenizer(path: string, options: LoadOptions = {}): AnyTokenizer {
  const loaded = loadParts(path);
  if (loaded.kind === 'wordpiece') return new WordPieceTokenizer(loaded.parts);
  if (options.allowFallback === false) throw loaded.reason;
  return new FallbackTokenizer(loaded.json, loaded.config, loaded.file, loaded.modelMaxLength);
}
