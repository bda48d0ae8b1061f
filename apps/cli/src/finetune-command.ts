import type { ProblemType, TrainExample } from '@bertkit/finetune';
import { readQa } from '@bertkit/trainer';
import { loadTokenizer } from '@bertkit/wordpiece';
import { column, int, oneOf, parseCommand, required, str } from './args.js';
import { CliError } from './cli-error.js';
import { TASKS, type Task, readClassifyData, readNerData } from './tasks.js';
import { classifyExamples, nativeTokenizer, nerExamples, qaExamples } from './train-examples.js';
import { RUN_OPTIONS, RUN_USAGE, bareResume, maxLengthFor, reporting, runOptions, runTraining, trainableModel } from './training-run.js';

export const FINETUNE_USAGE = `bertkit finetune --model <dir | hub id> --data <file> --out <dir> [options]
  Trains the whole encoder with a task head on onnxruntime (AdamW, the Trainer's schedule and clipping)
  and writes a model directory in Hugging Face layout (config.json with architectures and id2label,
  model.safetensors, tokenizer files, onnx/model.onnx) that predict, serve, embed, quantize and Python
  transformers load. The kept model is the best on --dev (else the last). Families: DistilBERT, BERT,
  RoBERTa (XLM-RoBERTa, CamemBERT), ELECTRA, ALBERT, MPNet.
  --task <t>               classify (TSV/CSV/JSONL) | ner (CoNLL) | qa (SQuAD-style JSONL); default classify
  --dev <file>             evaluated at each epoch end (accuracy/F1 as in eval); its labels must occur in --data
  --problem-type <p>       classify: single | multi (labels separated by commas) | regression (default single)
  --text-col, --label-col, --pair-col <name | index>   columns of a TSV/CSV (or JSONL field names)
  --max-length <n>         tokens per example, special tokens included (default 128; qa 384)
  --stride <n>             qa: context tokens shared by consecutive windows (default 128)
  Labels: classify and ner label ids follow the sorted label names of --data (numerically sorted
  when every name is a number), as transformers' run_glue and run_ner number them. ner labels each
  word's first subword (others -100); qa windows mark the answer's tokens, [CLS] when a window
  lacks the answer (run_qa's prepare_train_features).
${RUN_USAGE}`;

const PROBLEMS: Record<string, ProblemType> = { single: 'single_label_classification', multi: 'multi_label_classification', regression: 'regression' };

export async function finetuneCommand(argv: string[]): Promise<void> {
  const p = parseCommand(
    bareResume(argv),
    { ...RUN_OPTIONS, data: { type: 'string' }, dev: { type: 'string' }, task: { type: 'string' }, 'problem-type': { type: 'string' }, 'text-col': { type: 'string' }, 'label-col': { type: 'string' }, 'pair-col': { type: 'string' }, stride: { type: 'string' } },
    FINETUNE_USAGE,
  );
  if (!p) return;
  for (const name of ['model', 'data', 'out']) required(p, name, FINETUNE_USAGE);
  const task = oneOf<Task>(p, 'task', TASKS, 'classify');
  if (task !== 'classify' && str(p, 'problem-type') !== undefined) throw new CliError('E_USAGE', `--problem-type is for --task classify, not ${task}`);
  if (task !== 'qa' && str(p, 'stride') !== undefined) throw new CliError('E_USAGE', `--stride is for --task qa, not ${task}`);
  const problemType = PROBLEMS[oneOf(p, 'problem-type', ['single', 'multi', 'regression'] as const, 'single')] as ProblemType;
  const stride = int(p, 'stride', 128, 0);
  const run = runOptions(p);
  const output = reporting(p);
  const [dataFile, devFile] = [str(p, 'data') as string, str(p, 'dev')];
  const columns = { textColumn: column(p, 'text-col'), labelColumn: column(p, 'label-col'), pairColumn: column(p, 'pair-col') };

  // Files first: a bad data file fails in milliseconds, before the model is read.
  const read = (file: string) => (task === 'classify' ? readClassifyData(file, columns) : task === 'ner' ? readNerData(file) : readQa(file));
  const trainRows = read(dataFile);
  if (trainRows.length === 0) throw new CliError('E_INPUT', `${dataFile}: no training examples`);
  const devRows = devFile ? read(devFile) : null;
  if (devRows && devRows.length === 0) throw new CliError('E_INPUT', `${devFile}: no examples`);

  const model = trainableModel(str(p, 'model') as string);
  const maxLength = maxLengthFor(p, model, task === 'qa' ? 384 : 128);
  if (task === 'qa' && stride >= maxLength) throw new CliError('E_USAGE', `--stride (${stride}) must be smaller than --max-length (${maxLength})`);
  const tokenizer = nativeTokenizer(loadTokenizer(model), model);
  let labelNames: string[] | undefined;
  let train: TrainExample[];
  let dev: TrainExample[] | null;
  if (task === 'classify') {
    const source = (rows: typeof trainRows, file: string) => ({ rows: rows as ReturnType<typeof readClassifyData>, file });
    ({ labelNames, train, dev } = classifyExamples(tokenizer, source(trainRows, dataFile), devRows && source(devRows, devFile as string), { maxLength, problemType }));
    if (problemType !== 'regression' && labelNames.length < 2) throw new CliError('E_INPUT', `${dataFile}: classification needs at least 2 labels, found ${labelNames.map((l) => JSON.stringify(l)).join(', ')}`);
  } else if (task === 'ner') {
    const source = (rows: typeof trainRows, file: string) => ({ sentences: rows as ReturnType<typeof readNerData>, file });
    ({ labelNames, train, dev } = nerExamples(tokenizer, source(trainRows, dataFile), devRows && source(devRows, devFile as string), { maxLength }));
  } else {
    train = qaExamples(tokenizer, trainRows as ReturnType<typeof readQa>, { maxLength, stride });
    dev = devRows && qaExamples(tokenizer, devRows as ReturnType<typeof readQa>, { maxLength, stride });
  }
  await runTraining(
    {
      ...run,
      model,
      task,
      ...(task === 'classify' ? { problemType } : {}),
      ...(labelNames && labelNames.length > 0 ? { labelNames } : {}),
      train,
      ...(dev ? { dev } : {}),
      out: str(p, 'out') as string,
    },
    output,
  );
}
