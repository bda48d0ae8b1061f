import { WordPieceDecoder } from '../decoder/wordpiece-decoder.js';
import { TokenizerError } from '../errors.js';
import { WordPieceModel } from '../model/wordpiece-model.js';
import { BertNormalizer } from '../normalizer/bert-normalizer.js';
import type { AddedToken } from '../pipeline/added-vocabulary.js';
import { TemplateProcessor } from '../post-processor/template.js';
import { BertPreTokenizer } from '../pre-tokenizer/bert-pre-tokenizer.js';
import type { TokenizerParts } from '../pipeline-tokenizer.js';
import { loadVocabTxt } from './load-vocab-txt.js';
import { type TokenizerConfig, readTokenizerConfig } from './tokenizer-config.js';

/**
 * Builds the tokenizer transformers' BertTokenizerFast would build from a vocab.txt and its
 * tokenizer_config.json: BertNormalizer, BertPreTokenizer, WordPiece, "[CLS] $A [SEP] $B:1 [SEP]:1".
 */
export function partsFromVocab(path: string, override?: TokenizerConfig): TokenizerParts {
  const vocab = loadVocabTxt(path);
  const config = override ?? readTokenizerConfig(path);
  const names = {
    unk: config.specialTokens.unk ?? '[UNK]',
    cls: config.specialTokens.cls ?? '[CLS]',
    sep: config.specialTokens.sep ?? '[SEP]',
    pad: config.specialTokens.pad ?? '[PAD]',
    mask: config.specialTokens.mask ?? '[MASK]',
  };
  const idOf = (role: keyof typeof names): number => {
    const id = vocab.tokenToId.get(names[role]);
    if (id === undefined) {
      throw new TokenizerError('E_MISSING_TOKEN', `${path}: the ${role} token ${JSON.stringify(names[role])} is not in the vocabulary`, {
        file: path,
      });
    }
    return id;
  };
  const addedTokens: AddedToken[] = [];
  const seen = new Set<string>();
  const add = (token: AddedToken): void => {
    if (seen.has(token.content)) return;
    seen.add(token.content);
    addedTokens.push(token);
  };
  for (const t of [...config.addedTokensDecoder].sort((a, b) => a.id - b.id)) add({ ...t });
  for (const role of ['pad', 'unk', 'cls', 'sep', 'mask'] as const) {
    const id = vocab.tokenToId.get(names[role]);
    if (id !== undefined) add({ id, content: names[role], special: true, singleWord: false, lstrip: false, rstrip: false, normalized: false });
  }
  // never_split words keep their vocabulary id when they stand alone, as BasicTokenizer keeps them whole.
  for (const word of config.neverSplit ?? []) {
    const id = vocab.tokenToId.get(word);
    if (id !== undefined) add({ id, content: word, special: false, singleWord: true, lstrip: false, rstrip: false, normalized: false });
  }
  idOf('unk');
  const lowercase = config.doLowerCase ?? true;
  return {
    normalizer: new BertNormalizer({
      cleanText: true,
      handleChineseChars: config.tokenizeChineseChars ?? true,
      stripAccents: config.stripAccents ?? null,
      lowercase,
    }),
    preTokenizer: new BertPreTokenizer(),
    model: new WordPieceModel(vocab, { unkToken: names.unk, continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }),
    addedTokens,
    postProcessor: TemplateProcessor.bert([names.cls, idOf('cls')], [names.sep, idOf('sep')]),
    decoder: new WordPieceDecoder('##', true),
    truncation: null,
    padding: null,
    modelMaxLength: config.modelMaxLength,
    source: path,
  };
}
