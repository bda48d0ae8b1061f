import type { TrainExample } from '@bertkit/finetune';
import type { NativeTokenizer } from '@bertkit/wordpiece';
import { CliError } from './cli-error.js';
import { inputName, readLineStream } from './inputs.js';

export interface Corpus {
  train: TrainExample[];
  /** The last `evalLines` non-empty lines, never trained on. */
  heldOut: TrainExample[];
  lines: number;
}

/**
 * A text corpus for masked-LM pretraining, streamed line by line (line_by_line in run_mlm.py): each
 * non-empty line is one example, truncated to `maxLength` tokens with [CLS]/[SEP]. The held-out lines are
 * the last ones, kept in a ring while streaming, so the text is read once and never held whole.
 * `ref`: a whole-word reference read in step with it (run_mlm_wwm.py's --train_ref_file, as
 * run_chinese_ref.py writes it): per non-empty text line, a JSON array of the token positions that continue
 * a word ([CLS] is 0), the segmenter's words for Chinese text, whose tokens are single characters.
 */
export async function readCorpus(path: string, tokenizer: NativeTokenizer, options: { maxLength: number; evalLines: number; ref?: string }): Promise<Corpus> {
  const encode = ([line, continuations]: Entry): TrainExample => {
    // Single sentences: token types are all 0, the library's default, so they are not kept (half the memory).
    const ids = tokenizer.encode(line, null, { truncation: { maxLength: options.maxLength }, padding: false }).ids;
    return continuations ? { ids, wordContinuations: continuations } : { ids };
  };
  const refs = options.ref === undefined ? null : referenceLines(options.ref);
  const train: TrainExample[] = [];
  const ring: Entry[] = [];
  let lines = 0;
  for await (const line of readLineStream(path)) {
    if (line.trim() === '') continue;
    lines++;
    const entry: Entry = [line, refs ? await nextReference(refs, options.ref!, path, lines) : null];
    ring.push(entry);
    if (ring.length > options.evalLines) train.push(encode(ring.shift() as Entry));
  }
  if (refs && !(await refs.next()).done) throw new CliError('E_INPUT', `${options.ref}: more reference lines than the ${lines} non-empty line(s) of ${inputName(path)}`);
  if (lines === 0) throw new CliError('E_INPUT', `${inputName(path)}: no text (one example per non-empty line)`);
  if (train.length === 0) throw new CliError('E_INPUT', `${inputName(path)}: ${lines} non-empty line(s), all held out by --eval-lines ${options.evalLines}; nothing is left to train on`);
  return { train, heldOut: ring.map(encode), lines };
}

type Entry = [line: string, continuations: number[] | null];

/** The reference's non-empty lines with their line numbers. */
async function* referenceLines(ref: string): AsyncGenerator<[number, string]> {
  let number = 0;
  for await (const line of readLineStream(ref)) {
    number++;
    if (line.trim() !== '') yield [number, line];
  }
}

async function nextReference(refs: AsyncGenerator<[number, string]>, ref: string, path: string, textLine: number): Promise<number[]> {
  const next = await refs.next();
  if (next.done) throw new CliError('E_INPUT', `${ref}: ends before ${inputName(path)} (no reference for its non-empty line ${textLine}; one JSON array per non-empty text line)`);
  const [number, line] = next.value;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new CliError('E_INPUT', `${ref}:${number}: not JSON (expected an array of token positions, e.g. [2, 3, 5])`);
  }
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new CliError('E_INPUT', `${ref}:${number}: expected an array of token positions >= 1 ([CLS] is 0), got ${line.length > 60 ? `${line.slice(0, 60)}...` : line}`);
  }
  return value as number[];
}
