// Test-only: the real Hub tokenizer files in ../shared/hub-files, loaded by us and by the Rust oracle.
import { Tokenizer as Oracle } from 'tokenizers';
import { type NativeTokenizer, loadTokenizer } from '../index.js';
import { sharedPath } from './shared-data.js';

export const HUB_TOKENIZERS = {
  'roberta-base': { dir: 'FacebookAI--roberta-base', kind: 'bpe' },
  'all-mpnet-base-v2': { dir: 'sentence-transformers--all-mpnet-base-v2', kind: 'wordpiece' },
  't5-small': { dir: 'google-t5--t5-small', kind: 'unigram' },
  'flan-t5-large': { dir: 'google--flan-t5-large', kind: 'unigram' },
} as const;

export type HubName = keyof typeof HUB_TOKENIZERS;

export function hubFile(name: HubName, file = 'tokenizer.json'): string {
  return sharedPath('hub-files', HUB_TOKENIZERS[name].dir, file);
}

/** Ours through loadTokenizer (which must pick the native class), and the oracle on the same file. */
export function hubPair(name: HubName): { ours: NativeTokenizer; oracle: Oracle } {
  const ours = loadTokenizer(hubFile(name));
  if (ours.kind !== HUB_TOKENIZERS[name].kind) throw new Error(`${name}: loadTokenizer gave ${ours.kind}`);
  return { ours: ours as NativeTokenizer, oracle: Oracle.fromFile(hubFile(name)) };
}
