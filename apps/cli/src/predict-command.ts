import { TaskModel } from '@bertkit/encoder';
import type { AggregationStrategy } from '@bertkit/heads';
import { flag, oneOf, parseCommand, str } from './args.js';
import { bundleEncoder, loadBundle } from './bundle.js';
import { CliError } from './cli-error.js';
import { answer, classify, predictWithModel, recognize } from './inference.js';
import { resolveModel } from './model-ref.js';
import { readInput, readTexts } from './inputs.js';
import { AtomicFile } from './outputs.js';

export const PREDICT_USAGE = `bertkit predict --bundle <dir> [<file> | -] [options]
bertkit predict --model <dir | .onnx | hub id> [<file> | -] [options]
  One JSON line per input: {label, score, probs} (classify), {entities: [{entity, score, start, end,
  word}]} (ner), {answer, start, end, score} (qa; input: JSON lines with question and context).
  Input: lines of text (a .tsv's first column; TAB-separated pairs for a pair bundle), or stdin.
  --model alone runs a fine-tuned transformers model (its ONNX graph outputs logits, or start_logits
  and end_logits): labels from config.json id2label; the task follows the graph and architectures.
  --pairs                 model: lines are TAB-separated text pairs
  --output <file.jsonl>   write there instead of stdout (complete or not at all)
  --aggregation <s>       ner: none | simple | first | average | max (default simple)
  --model <m>             with --bundle: the model, when the bundle's recorded path has moved`;

export async function predictCommand(argv: string[]): Promise<void> {
  const p = parseCommand(argv, { bundle: { type: 'string' }, output: { type: 'string', short: 'o' }, aggregation: { type: 'string' }, model: { type: 'string' }, header: { type: 'boolean' }, pairs: { type: 'boolean' } }, PREDICT_USAGE);
  if (!p) return;
  const dir = str(p, 'bundle');
  const modelArg = str(p, 'model');
  if (!dir && modelArg) return predictModel(modelArg, p.positionals[0] ?? '-', { aggregation: oneOf<AggregationStrategy>(p, 'aggregation', ['none', 'simple', 'first', 'average', 'max'], 'simple'), header: flag(p, 'header'), pairs: flag(p, 'pairs'), output: str(p, 'output') });
  if (!dir) throw new CliError('E_USAGE', '--bundle or --model is required (see bertkit predict --help)');
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
  writeResults(results, str(p, 'output'));
}

/** A fine-tuned task model on its own: classify, NER or QA as its graph says. */
async function predictModel(arg: string, input: string, options: { aggregation: AggregationStrategy; header: boolean; pairs: boolean; output: string | undefined }): Promise<void> {
  const model = await TaskModel.load(resolveModel(arg, 'task'));
  try {
    const qa = model.task === 'question-answering';
    const texts = qa ? null : readTexts(input, { pairs: options.pairs, header: options.header });
    const questions = qa ? readQuestions(input) : null;
    writeResults(await predictWithModel(model, { texts, questions }, options.aggregation), options.output);
  } finally {
    await model.release();
  }
}

function writeResults(results: unknown[], output: string | undefined): void {
  const lines = results.map((r) => JSON.stringify(r)).join('\n') + (results.length ? '\n' : '');
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
