import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';

export interface MlmVocab {
  maskTokenId: number;
  /** Never masked: [CLS], [SEP], [PAD], [UNK], [MASK] and the like. */
  specialIds: number[];
  /** WordPiece continuation pieces ("##..."), for whole-word masking. */
  isContinuation: (id: number) => boolean;
}

/** The masking vocabulary of a WordPiece model directory (vocab.txt, else tokenizer.json's model.vocab). */
export function readMlmVocab(dir: string): MlmVocab {
  let tokens: string[] = [];
  const vocabTxt = join(dir, 'vocab.txt');
  const tokenizerJson = join(dir, 'tokenizer.json');
  if (existsSync(vocabTxt)) tokens = readFileSync(vocabTxt, 'utf8').split(/\r?\n/);
  else if (existsSync(tokenizerJson)) {
    const vocab = (JSON.parse(readFileSync(tokenizerJson, 'utf8')) as { model?: { vocab?: Record<string, number> } }).model?.vocab ?? {};
    for (const [t, id] of Object.entries(vocab)) tokens[id] = t;
  }
  const mask = tokens.indexOf('[MASK]');
  if (mask < 0) throw new FinetuneError('E_INVALID_OPTION', `${dir}: masked-LM training needs a vocabulary with [MASK] (vocab.txt or tokenizer.json)`);
  const specialIds = tokens.flatMap((t, id) => (/^\[(CLS|SEP|PAD|UNK|MASK)\]$/.test(t ?? '') ? [id] : []));
  const continuation = new Uint8Array(tokens.length);
  tokens.forEach((t, id) => void (continuation[id] = t?.startsWith('##') ? 1 : 0));
  return { maskTokenId: mask, specialIds, isContinuation: (id) => continuation[id] === 1 };
}
