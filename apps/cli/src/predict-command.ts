import type { AggregationStrategy } from '@bertkit/heads';
import { flag, oneOf, parseCommand, str } from './args.js';
import { bundleEncoder, loadBundle } from './bundle.js';
import { CliError } from './cli-error.js';
import { answer, classify, recognize } from './inference.js';
import { readInput, readTexts } from './inputs.js';
import { AtomicFile } from './outputs.js';

export const PREDICT_USAGE = `bertkit predict --bundle <dir> [<file> | -] [options]
  One JSON line per input: {label, score, probs} (classify), {entities: [{entity, score, start, end,
  word}]} (ner), {answer, start, end, score} (qa; input: JSON lines with question and context).
  Input: lines of text (a .tsv's first column; TAB-separated pairs for a pair bundle), or stdin.
  --output <file.jsonl>   write there instead of stdout (complete or not at all)
  --aggregation <s>       ner: none | simple | first | average | max (default simple)
  --model <m>             the model, when the bundle's recorded path has moved`;

export async function predictCommand(argv: string[]): Promise<void> {
  const p = parseCommand(argv, { bundle: { type: 'string' }, output: { type: 'string', short: 'o' }, aggregation: { type: 'string' }, model: { type: 'string' }, header: { type: 'boolean' } }, PREDICT_USAGE);
  if (!p) return;
  const dir = str(p, 'bundle');
  if (!dir) throw new CliError('E_USAGE', '--bundle is required (see bertkit predict --help)');
  const bundle = loadBundle(dir);
  const input = p.positionals[0] ?? '-';
  const task = bundle.manifest.task;
  const aggregation = oneOf<AggregationStrategy>(p, 'aggregation', ['none', 'simple', 'first', 'average', 'max'], 'simple');
  let results: unknown[];
  const texts = task === 'qa' ? null : readTexts(input, { pairs: bundle.manifest.pairs === true, header: flag(p, 'header') });
  const questions = task === 'qa' ? readQuestions(input) : null;
  const encoder = await bundleEncoder(bundle, str(p, 'model'));
  try {
    if (task === 'classify') results = await classify(bundle, encoder, texts ?? []);
    else if (task === 'ner') results = (await recognize(bundle, encoder, (texts ?? []).map(String), aggregation)).map((entities) => ({ entities }));
    else results = await answer(bundle, encoder, questions ?? []);
  } finally {
    await encoder.release();
  }
  const lines = results.map((r) => JSON.stringify(r)).join('\n') + (results.length ? '\n' : '');
  const output = str(p, 'output');
  if (output) {
    const f = new AtomicFile(output);
    f.write(lines);
    f.commit();
  } else process.stdout.write(lines);
}

function readQuestions(input: string): Array<{ question: string; context: string }> {
  return readInput(input)
    .split('\n')
    .map((raw, i) => ({ raw, line: i + 1 }))
    .filter((l) => l.raw.trim() !== '')
    .map(({ raw, line }) => {
      let row: { question?: unknown; context?: unknown };
      try {
        row = JSON.parse(raw);
      } catch (cause) {
        throw new CliError('E_INPUT', `${input}:${line}: invalid JSON (${(cause as Error).message})`);
      }
      if (typeof row.question !== 'string' || typeof row.context !== 'string') throw new CliError('E_INPUT', `${input}:${line}: each line needs string "question" and "context" fields`);
      return { question: row.question, context: row.context };
    });
}
