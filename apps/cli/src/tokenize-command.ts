import { FallbackTokenizer, loadTokenizer } from '@bertkit/wordpiece';
import { flag, int, parseCommand, str } from './args.js';
import { CliError } from './cli-error.js';
import { type TextInput, readTextStream } from './inputs.js';

export const TOKENIZE_USAGE = `bertkit tokenize --tokenizer <tokenizer.json | vocab.txt | model dir> [<file> | - | --text <t>]
  One JSON line per input: {ids, tokens, offsets, type_ids, attention_mask, special_tokens_mask, word_ids},
  offsets in UTF-16 code units of the input (JavaScript string indices).
  <file>: lines of text, or a .tsv whose first column is the text ('-' or nothing: stdin).
  --pair               input lines are TAB-separated sentence pairs
  --text <t>           tokenize this text instead of a file (--text-pair <t> for its second sentence)
  --max-length <n>     truncate (longest_first) to n tokens
  --header             skip the first line`;

export async function tokenizeCommand(argv: string[]): Promise<void> {
  const p = parseCommand(
    argv,
    { tokenizer: { type: 'string' }, text: { type: 'string' }, 'text-pair': { type: 'string' }, pair: { type: 'boolean' }, 'max-length': { type: 'string' }, header: { type: 'boolean' } },
    TOKENIZE_USAGE,
  );
  if (!p) return;
  const path = str(p, 'tokenizer');
  if (!path) throw new CliError('E_USAGE', '--tokenizer is required (see bertkit tokenize --help)');
  // WordPiece, byte-level BPE or Unigram natively (ids, tokens and offsets as Hugging Face's Rust library);
  // anything else through @huggingface/tokenizers, which gives no offsets (null in the output, said once).
  const tokenizer = loadTokenizer(path);
  if (tokenizer instanceof FallbackTokenizer) process.stderr.write(`note: ${path}: this tokenizer runs through @huggingface/tokenizers; offsets and word ids are unavailable (null)\n`);
  const maxLength = str(p, 'max-length') === undefined ? undefined : int(p, 'max-length', 0);
  const options = maxLength === undefined ? {} : { truncation: { maxLength } };
  if (tokenizer instanceof FallbackTokenizer && maxLength !== undefined) throw new CliError('E_USAGE', `--max-length needs a tokenizer bertkit runs natively (WordPiece, byte-level BPE, Unigram); ${path} is not one`);
  const encode = (a: string, b: string | null) => (tokenizer instanceof FallbackTokenizer ? tokenizer.encode(a, b) : tokenizer.encode(a, b, options));
  const text = str(p, 'text');
  // Streamed: each line is tokenized and written as it arrives, so memory stays flat for any input.
  const inputs: Iterable<TextInput> | AsyncIterable<TextInput> =
    text !== undefined ? [str(p, 'text-pair') === undefined ? text : ([text, str(p, 'text-pair')] as [string, string])] : readTextStream(p.positionals[0] ?? '-', { pairs: flag(p, 'pair'), header: flag(p, 'header') });
  const out: string[] = [];
  for await (const input of inputs) {
    const e = typeof input === 'string' ? encode(input, null) : encode(input[0], input[1]);
    out.push(
      JSON.stringify({ ids: e.ids, tokens: e.tokens, offsets: e.offsets, type_ids: e.typeIds, attention_mask: e.attentionMask, special_tokens_mask: e.specialTokensMask, word_ids: e.wordIds }),
    );
    if (out.length >= 1024) process.stdout.write(`${out.splice(0).join('\n')}\n`);
  }
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
}
