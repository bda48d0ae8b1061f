import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';

export interface MlmVocab {
  maskTokenId: number;
  /** Never masked: [CLS]/<s>, [SEP]/</s>, [PAD]/<pad>, [UNK]/<unk>, [MASK]/<mask> and the other special tokens. */
  specialIds: number[];
  /** Pieces that continue a word, for whole-word masking: WordPiece "##x"; byte-level BPE and SentencePiece pieces without the word-start mark (Ġ, ▁). */
  isContinuation: (id: number) => boolean;
}

interface TokenizerJson {
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
  model?: { type?: string; vocab?: Record<string, number> | Array<[string, number]>; merges?: unknown[] };
}

const MASK = /^(\[MASK\]|<mask>)$/;
const SPECIAL = /^(\[(CLS|SEP|PAD|UNK|MASK)\]|<(s|\/s|pad|unk|mask)>)$/;

/** The masking vocabulary of a model directory: tokenizer.json (any family), else vocab.txt (WordPiece) or vocab.json (byte-level BPE). */
export function readMlmVocab(dir: string): MlmVocab {
  const tokens: string[] = [];
  const special = new Set<number>();
  let wordStart: string | null = null;
  const tokenizerJson = join(dir, 'tokenizer.json');
  const vocabTxt = join(dir, 'vocab.txt');
  const vocabJson = join(dir, 'vocab.json');
  if (existsSync(tokenizerJson)) {
    const t = JSON.parse(readFileSync(tokenizerJson, 'utf8')) as TokenizerJson;
    const vocab = t.model?.vocab ?? {};
    if (Array.isArray(vocab)) vocab.forEach(([piece], id) => void (tokens[id] = piece));
    else for (const [piece, id] of Object.entries(vocab)) tokens[id] = piece;
    for (const a of t.added_tokens ?? []) {
      tokens[a.id] = a.content;
      if (a.special) special.add(a.id);
    }
    // tokenizer.json may omit model.type (roberta-base's does): merges mean BPE, a score list Unigram.
    const type = t.model?.type ?? (Array.isArray(vocab) ? 'Unigram' : t.model?.merges ? 'BPE' : 'WordPiece');
    wordStart = type === 'Unigram' ? '\u2581' : type === 'BPE' ? (tokens.some((p) => p?.startsWith('\u2581')) ? '\u2581' : '\u0120') : null;
  } else if (existsSync(vocabTxt)) {
    tokens.push(...readFileSync(vocabTxt, 'utf8').split(/\r?\n/));
  } else if (existsSync(vocabJson)) {
    for (const [piece, id] of Object.entries(JSON.parse(readFileSync(vocabJson, 'utf8')) as Record<string, number>)) tokens[id] = piece;
    wordStart = '\u0120';
  }
  tokens.forEach((t, id) => void (SPECIAL.test(t ?? '') && special.add(id)));
  const mask = tokens.findIndex((t) => MASK.test(t ?? ''));
  if (mask < 0) throw new FinetuneError('E_INVALID_OPTION', `${dir}: masked-LM training needs a vocabulary with a mask token ([MASK] or <mask>) in tokenizer.json, vocab.txt or vocab.json`);
  const continuation = new Uint8Array(tokens.length);
  tokens.forEach((t, id) => {
    if (t === undefined || special.has(id)) return;
    continuation[id] = (wordStart === null ? t.startsWith('##') : !t.startsWith(wordStart)) ? 1 : 0;
  });
  return { maskTokenId: mask, specialIds: [...special].sort((a, b) => a - b), isContinuation: (id) => continuation[id] === 1 };
}
