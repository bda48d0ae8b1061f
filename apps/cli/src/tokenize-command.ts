import { parseArgs } from 'node:util';
import { WordPieceTokenizer } from '@bertkit/wordpiece';
import { CliError } from './cli-error.js';
import { readTexts } from './read-texts.js';

export const TOKENIZE_USAGE = `bertkit tokenize --tokenizer <tokenizer.json | vocab.txt | model dir> (--text <text> | <file>)
  Prints one JSON encoding per line (ids, tokens, offsets, typeIds, attentionMask, specialTokensMask, wordIds).
  <file>: lines of text, or a .tsv whose first column is the text ('-' reads stdin).
  --pair <text>        second sequence (with --text)
  --max-length <n>     truncate (longest_first) to n tokens
  --header             skip the first line of <file>`;

export function tokenizeCommand(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tokenizer: { type: 'string' },
      text: { type: 'string' },
      pair: { type: 'string' },
      'max-length': { type: 'string' },
      header: { type: 'boolean', default: false },
    },
  });
  if (values.tokenizer === undefined) throw new CliError('E_USAGE', `--tokenizer is required\n${TOKENIZE_USAGE}`);
  const tokenizer = WordPieceTokenizer.fromFile(values.tokenizer);
  let maxLength: number | undefined;
  if (values['max-length'] !== undefined) {
    maxLength = Number(values['max-length']);
    if (!Number.isInteger(maxLength) || maxLength < 1) {
      throw new CliError('E_USAGE', `--max-length must be a positive integer, got "${values['max-length']}"`);
    }
  }
  const options = maxLength === undefined ? {} : { truncation: { maxLength } };
  const texts = values.text !== undefined ? [values.text] : positionals[0] !== undefined ? readTexts(positionals[0], values) : null;
  if (texts === null) throw new CliError('E_USAGE', `give --text or an input file\n${TOKENIZE_USAGE}`);
  const out: string[] = [];
  for (const text of texts) {
    const e = tokenizer.encode(text, values.pair ?? null, options);
    const { ids, tokens, offsets, typeIds, attentionMask, specialTokensMask, wordIds } = e;
    out.push(JSON.stringify({ ids, tokens, offsets, typeIds, attentionMask, specialTokensMask, wordIds }));
    if (out.length >= 1024) process.stdout.write(out.splice(0).join('\n') + '\n');
  }
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
}
