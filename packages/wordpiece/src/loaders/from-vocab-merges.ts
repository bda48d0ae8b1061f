import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ByteLevelDecoder } from '../decoder/byte-level-decoder.js';
import { TokenizerError } from '../errors.js';
import { BpeModel } from '../model/bpe-model.js';
import { Vocab } from '../model/vocab.js';
import { IdentityNormalizer } from '../normalizer/normalizer.js';
import type { AddedToken } from '../pipeline/added-vocabulary.js';
import type { TokenizerParts } from '../pipeline-tokenizer.js';
import { TemplateProcessor } from '../post-processor/template.js';
import { ByteLevelPreTokenizer } from '../pre-tokenizer/byte-level-pre-tokenizer.js';
import { decodeUtf8, readBytes, readJson } from './read-file.js';
import { readTokenizerConfig } from './tokenizer-config.js';

/**
 * Builds what transformers' RobertaTokenizerFast / GPT2TokenizerFast build from vocab.json + merges.txt
 * (+ tokenizer_config.json): ByteLevel pre-tokenizer and decoder, byte-level BPE, and RobertaProcessing
 * when the vocabulary has <s> and </s> (RoBERTa, BART), else the ByteLevel post-processor (GPT-2).
 */
export function partsFromVocabAndMerges(vocabFile: string, json: Record<string, unknown>): TokenizerParts {
  const mergesFile = join(dirname(vocabFile), 'merges.txt');
  if (!existsSync(mergesFile)) throw new TokenizerError('E_FILE_NOT_FOUND', `${mergesFile}: no such file (a vocab.json needs merges.txt beside it)`, { file: mergesFile });
  const entries: Array<[string, number]> = [];
  for (const [token, id] of Object.entries(json)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError('E_MALFORMED_VOCAB', `${vocabFile}: bad id for ${JSON.stringify(token)}: ${JSON.stringify(id)}`, { file: vocabFile });
    }
    entries.push([token, id]);
  }
  const vocab = new Vocab(entries);
  const lines = decodeUtf8(readBytes(mergesFile), mergesFile).split('\n');
  const merges: Array<[string, string]> = [];
  const lineOf: number[] = [];
  lines.forEach((raw, k) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0 || (k === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerError('E_MALFORMED_VOCAB', `${mergesFile}: line ${k + 1} is not two tokens separated by one space`, { file: mergesFile, line: k + 1 });
    }
    merges.push([parts[0] as string, parts[1] as string]);
    lineOf.push(k + 1);
  });
  const config = readTokenizerConfig(vocabFile);
  const rawConfigPath = join(dirname(vocabFile), 'tokenizer_config.json');
  const raw = existsSync(rawConfigPath) ? (readJson(rawConfigPath) as Record<string, unknown>) : {};
  const addPrefixSpace = raw.add_prefix_space === true;
  const model = new BpeModel(vocab, merges, {
    byteLevel: true,
    file: mergesFile,
    mergeLabel: (i) => `line ${lineOf[i]}`,
    unkToken: vocab.tokenToId.has('<unk>') ? '<unk>' : null,
  });
  const roberta = vocab.tokenToId.has('<s>') && vocab.tokenToId.has('</s>');
  const addedTokens: AddedToken[] = [];
  const seen = new Set<string>();
  const special = (content: string | undefined, lstrip = false): void => {
    if (content === undefined || seen.has(content)) return;
    const id = vocab.tokenToId.get(content);
    if (id === undefined) return;
    seen.add(content);
    addedTokens.push({ id, content, special: true, singleWord: false, lstrip, rstrip: false, normalized: false });
  };
  for (const t of [...config.addedTokensDecoder].sort((a, b) => a.id - b.id)) {
    if (!seen.has(t.content)) {
      seen.add(t.content);
      addedTokens.push({ ...t });
    }
  }
  if (roberta) {
    special('<s>');
    special('<pad>');
    special('</s>');
    special('<unk>');
    special(config.specialTokens.mask ?? '<mask>', true);
  } else special('<|endoftext|>');
  const idOf = (t: string): number => vocab.tokenToId.get(t) as number;
  return {
    normalizer: new IdentityNormalizer(),
    preTokenizer: new ByteLevelPreTokenizer({ addPrefixSpace, useRegex: true }),
    model,
    addedTokens,
    postProcessor: roberta
      ? TemplateProcessor.roberta([config.specialTokens.cls ?? '<s>', idOf(config.specialTokens.cls ?? '<s>')], [config.specialTokens.sep ?? '</s>', idOf(config.specialTokens.sep ?? '</s>')], true, addPrefixSpace)
      : TemplateProcessor.byteLevel(true, addPrefixSpace),
    decoder: new ByteLevelDecoder(),
    truncation: null,
    padding: null,
    modelMaxLength: config.modelMaxLength,
    padToken: config.specialTokens.pad ?? (roberta ? '<pad>' : undefined),
    source: vocabFile,
  };
}

