import { join } from 'node:path';
import { WordPieceTokenizer } from '@bertkit/wordpiece';
import { CliError } from './cli-error.js';
import { readTexts } from './read-texts.js';
import { findShared } from './shared.js';

/** Tokenizes the SST-2 dev sentences with bert-base-uncased and shows a few with their offsets. */
export function demoCommand(): void {
  const shared = findShared();
  if (shared === null) throw new CliError('E_SHARED', 'the demo reads ../shared beside the repository; set BERTKIT_SHARED to its path');
  const tokenizer = WordPieceTokenizer.fromFile(join(shared, 'tokenizers/bert-base-uncased'));
  const texts = readTexts(join(shared, 'data/sst2/dev.tsv'));
  console.log(`bertkit demo: bert-base-uncased WordPiece on ${texts.length} SST-2 dev sentences\n`);
  for (const text of texts.slice(0, 3)) {
    const e = tokenizer.encode(text);
    console.log(`text:    ${text}`);
    console.log(`tokens:  ${e.tokens.join(' ')}`);
    console.log(`ids:     ${e.ids.join(' ')}`);
    const spans = e.offsets.map(([s, t], k) => (e.specialTokensMask[k] === 1 ? '' : `${e.tokens[k]}=${JSON.stringify(text.slice(s, t))}@${s}`));
    console.log(`offsets: ${spans.filter((s) => s !== '').slice(0, 8).join(' ')} ...\n`);
  }
  const t0 = performance.now();
  const batch = tokenizer.encodeBatch(texts, { padding: 'longest' });
  const ms = performance.now() - t0;
  console.log(`encodeBatch: ${batch.rows} rows x ${batch.sequenceLength} tokens (packed Int32Array ids, ready for onnxruntime) in ${ms.toFixed(1)} ms`);
}
