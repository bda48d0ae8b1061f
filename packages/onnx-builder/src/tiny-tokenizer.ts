import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelToolsError } from './errors.js';

/** GPT-2's byte -> printable character table (bytes_to_unicode), so any UTF-8 text maps to 256 tokens. */
function byteChars(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : 256 + next++));
}

const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'];

/**
 * A byte-level BPE tokenizer.json with RoBERTa's special tokens (<s> 0, <pad> 1, </s> 2, <unk> 3), the
 * 256 byte tokens and <mask>, and no merges: every byte is a token. It lets a random RoBERTa/MPNet model
 * run end to end without shipping a 50k vocabulary; it matches no released tokenizer.
 */
export function tinyByteLevelBpe(maxLength: number): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  SPECIALS.forEach((t, i) => (vocab[t] = i));
  byteChars().forEach((c, i) => (vocab[c] = SPECIALS.length + i));
  const mask = SPECIALS.length + 256;
  vocab['<mask>'] = mask;
  const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: content === '<mask>', rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: { direction: 'Right', max_length: maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: [...SPECIALS.map((t, i) => added(i, t)), added(mask, '<mask>')],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
}

/** The number of token ids a tokenizer directory can emit (tokenizer.json's vocabulary and added tokens, or vocab.txt's lines). */
export function tokenizerVocabSize(dir: string): number {
  const json = join(dir, 'tokenizer.json');
  if (existsSync(json)) {
    let parsed: { model?: { vocab?: unknown }; added_tokens?: Array<{ id?: number }> };
    try {
      parsed = JSON.parse(readFileSync(json, 'utf8'));
    } catch (cause) {
      throw new ModelToolsError('E_BAD_CONFIG', `${json}: not valid JSON (${(cause as Error).message})`, { file: json, cause });
    }
    const vocab = parsed.model?.vocab;
    let limit = Array.isArray(vocab) ? vocab.length : vocab && typeof vocab === 'object' ? Object.values(vocab as Record<string, number>).reduce((m, id) => Math.max(m, id + 1), 0) : 0;
    for (const t of parsed.added_tokens ?? []) if (typeof t.id === 'number') limit = Math.max(limit, t.id + 1);
    return limit;
  }
  const txt = join(dir, 'vocab.txt');
  return existsSync(txt) ? readFileSync(txt, 'utf8').split('\n').filter((l, i, all) => l !== '' || i < all.length - 1).length : 0;
}
