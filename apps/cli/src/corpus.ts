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
 */
export async function readCorpus(path: string, tokenizer: NativeTokenizer, options: { maxLength: number; evalLines: number }): Promise<Corpus> {
  const encode = (line: string): TrainExample => {
    // Single sentences: token types are all 0, the library's default, so they are not kept (half the memory).
    return { ids: tokenizer.encode(line, null, { truncation: { maxLength: options.maxLength }, padding: false }).ids };
  };
  const train: TrainExample[] = [];
  const ring: string[] = [];
  let lines = 0;
  for await (const line of readLineStream(path)) {
    if (line.trim() === '') continue;
    lines++;
    ring.push(line);
    if (ring.length > options.evalLines) train.push(encode(ring.shift() as string));
  }
  if (lines === 0) throw new CliError('E_INPUT', `${inputName(path)}: no text (one example per non-empty line)`);
  if (train.length === 0) throw new CliError('E_INPUT', `${inputName(path)}: ${lines} non-empty line(s), all held out by --eval-lines ${options.evalLines}; nothing is left to train on`);
  return { train, heldOut: ring.map(encode), lines };
}
