import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NativeTokenizer, WordPieceTokenizer, loadTokenizer } from '@bertkit/wordpiece';
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import { formatTable, measure } from './measure.js';
import { tsvTexts } from './shared.js';

export interface TokenizerBenchResult {
  megabytes: number;
  texts: number;
  tokens: number;
  rows: Array<{ name: string; seconds: number; mbPerSecond: number; tokensPerSecond: number }>;
  ratioVsHfJs: number;
  ratioVsRustBatch: number;
  /** Byte-level BPE (roberta-base) and Unigram (t5-small) on the same texts, against Rust on the same file. */
  families: FamilyBenchResult[];
}

export interface FamilyBenchResult {
  model: string;
  kind: string;
  tokens: number;
  rows: Array<{ name: string; seconds: number; mbPerSecond: number; tokensPerSecond: number }>;
  ratioVsRustBatch: number;
}

/** The Hub files of the other tokenizer families, in ../shared/hub-files. */
const FAMILIES: Array<[string, string]> = [
  ['roberta-base', 'hub-files/FacebookAI--roberta-base/tokenizer.json'],
  ['t5-small', 'hub-files/google-t5--t5-small/tokenizer.json'],
];

async function familyBench(shared: string, model: string, file: string, texts: string[], megabytes: number, rounds: number): Promise<FamilyBenchResult> {
  const ours = loadTokenizer(join(shared, file));
  if (ours.kind === 'fallback') throw new Error(`tokenize: ${model} did not load natively`);
  const native = ours as NativeTokenizer;
  const rust = RustTokenizer.fromFile(join(shared, file));
  let tokens = 0;
  for (let i = 0; i < texts.length; i += 1024) {
    const chunk = texts.slice(i, i + 1024);
    const reference = await rust.encodeBatch(chunk);
    chunk.forEach((t, j) => {
      const expected = (reference[j] as { getIds(): number[] }).getIds();
      if (native.encode(t).ids.join() !== expected.join()) throw new Error(`tokenize ${model}: ids differ on text ${i + j}: ${JSON.stringify(t.slice(0, 80))}`);
      tokens += expected.length;
    });
  }
  let sink = 0;
  const cases: Array<[string, () => unknown]> = [
    [`bertkit ${native.kind} encode (offsets, 1 JS thread)`, () => {
      for (const t of texts) sink += native.encode(t).offsets.length;
    }],
    [`bertkit ${native.kind} encodeBatch, packed (offsets, 1 JS thread)`, () => {
      for (let i = 0; i < texts.length; i += 256) sink += native.encodeBatch(texts.slice(i, i + 256)).offsets.length;
    }],
    ['Rust tokenizers encodeBatch (offsets, native threads)', async () => {
      for (let i = 0; i < texts.length; i += 1024) sink += (await rust.encodeBatch(texts.slice(i, i + 1024))).length;
    }],
  ];
  const rows: FamilyBenchResult['rows'] = [];
  for (const [name, fn] of cases) {
    const { seconds } = await measure(fn, rounds);
    rows.push({ name, seconds, mbPerSecond: megabytes / seconds, tokensPerSecond: tokens / seconds });
  }
  if (sink === 0) throw new Error('benchmark produced nothing');
  return { model, kind: native.kind, tokens, rows, ratioVsRustBatch: (rows[0] as { mbPerSecond: number }).mbPerSecond / (rows[2] as { mbPerSecond: number }).mbPerSecond };
}

/**
 * Tokenizer throughput on SST-2 train sentences followed by AG News test (about 2.2 MB), all in this
 * process: bertkit on one JS thread with offsets, @huggingface/tokenizers `encode` (no offsets), and the
 * Rust binding's `encodeBatch` (native threads, offsets).
 */
export async function tokenizerBench(shared: string, rounds: number, quick = false): Promise<TokenizerBenchResult> {
  const all = [...tsvTexts(join(shared, 'data/sst2/train.tsv')), ...tsvTexts(join(shared, 'data/agnews/test.tsv'))];
  const texts = quick ? all.filter((_, i) => i % 20 === 0) : all;
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  const megabytes = bytes / 1e6;
  const dir = join(shared, 'tokenizers/bert-base-uncased');
  const ours = WordPieceTokenizer.fromFile(join(dir, 'tokenizer.json'));
  const hfJs = new HfJsTokenizer(
    JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')),
    JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')),
  );
  const rust = RustTokenizer.fromFile(join(dir, 'tokenizer.json'));
  // Same ids from all three on every text, or no speed is reported.
  let tokens = 0;
  for (let i = 0; i < texts.length; i += 1024) {
    const chunk = texts.slice(i, i + 1024);
    const reference = await rust.encodeBatch(chunk);
    chunk.forEach((t, j) => {
      const expected = (reference[j] as { getIds(): number[] }).getIds();
      const mine = Array.from(ours.encode(t).ids);
      const theirs = Array.from(hfJs.encode(t).ids);
      if (mine.join() !== expected.join() || theirs.join() !== expected.join()) throw new Error(`tokenize: ids differ on text ${i + j}: ${JSON.stringify(t.slice(0, 80))}`);
      tokens += expected.length;
    });
  }
  let sink = 0;
  const cases: Array<[string, () => unknown]> = [
    [
      'bertkit encode (offsets, 1 JS thread)',
      () => {
        for (const t of texts) sink += ours.encode(t).offsets.length;
      },
    ],
    [
      'bertkit encodeBatch, packed (offsets, 1 JS thread)',
      () => {
        for (let i = 0; i < texts.length; i += 256) sink += ours.encodeBatch(texts.slice(i, i + 256)).offsets.length;
      },
    ],
    [
      '@huggingface/tokenizers encode (no offsets)',
      () => {
        for (const t of texts) sink += hfJs.encode(t).ids.length;
      },
    ],
    [
      'Rust tokenizers encodeBatch (offsets, native threads)',
      async () => {
        for (let i = 0; i < texts.length; i += 1024) {
          const out = await rust.encodeBatch(texts.slice(i, i + 1024));
          sink += out.length;
        }
      },
    ],
  ];
  const rows: TokenizerBenchResult['rows'] = [];
  for (const [name, fn] of cases) {
    const { seconds } = await measure(fn, rounds);
    rows.push({ name, seconds, mbPerSecond: megabytes / seconds, tokensPerSecond: tokens / seconds });
  }
  if (sink === 0) throw new Error('benchmark produced nothing');
  const rate = (k: number) => (rows[k] as { mbPerSecond: number }).mbPerSecond;
  const families: FamilyBenchResult[] = [];
  for (const [model, file] of FAMILIES) families.push(await familyBench(shared, model, file, texts, megabytes, rounds));
  return { megabytes, texts: texts.length, tokens, rows, ratioVsHfJs: rate(0) / rate(2), ratioVsRustBatch: rate(0) / rate(3), families };
}

export function printTokenizerBench(r: TokenizerBenchResult): void {
  console.log(`\n## Tokenize: bert-base-uncased on ${r.texts} texts, ${r.megabytes.toFixed(2)} MB, ${r.tokens} tokens (SST-2 train + AG News test; ids checked equal across all three first)\n`);
  console.log(
    formatTable(
      ['tokenizer', 'seconds', 'MB/s', 'tokens/s'],
      r.rows.map((row) => [row.name, row.seconds.toFixed(3), row.mbPerSecond.toFixed(2), Math.round(row.tokensPerSecond).toLocaleString('en-US')]),
    ),
  );
  console.log(`\nbertkit encode vs @huggingface/tokenizers encode: ${r.ratioVsHfJs.toFixed(2)}x (goal >= 5x)`);
  console.log(`bertkit encode vs Rust tokenizers encodeBatch:   ${r.ratioVsRustBatch.toFixed(2)}x (goal >= 3x)`);
  for (const f of r.families) {
    console.log(`\n## Tokenize: ${f.model} (${f.kind}) on the same texts, ${f.tokens} tokens (ids checked equal to Rust first)\n`);
    console.log(
      formatTable(
        ['tokenizer', 'seconds', 'MB/s', 'tokens/s'],
        f.rows.map((row) => [row.name, row.seconds.toFixed(3), row.mbPerSecond.toFixed(2), Math.round(row.tokensPerSecond).toLocaleString('en-US')]),
      ),
    );
    console.log(`\nbertkit ${f.kind} encode vs Rust tokenizers encodeBatch: ${f.ratioVsRustBatch.toFixed(2)}x (goal >= 1x)`);
  }
}
