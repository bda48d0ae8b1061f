import { loadTokenizer } from '@bertkit/wordpiece';
import { flag, int, num, parseCommand, required, str } from './args.js';
import { CliError } from './cli-error.js';
import { readCorpus } from './corpus.js';
import { nativeTokenizer } from './train-examples.js';
import { RUN_OPTIONS, RUN_USAGE, bareResume, maxLengthFor, reporting, runOptions, runTraining, trainableModel } from './training-run.js';

export const PRETRAIN_USAGE = `bertkit pretrain --model <dir | hub id> --corpus <text file | -> (--steps <n> | --epochs <e>) --out <dir> [options]
  Masked-LM pretraining (domain adaptation) of the encoder: each non-empty line of the corpus is one
  example (run_mlm.py's line_by_line), read as a stream. Writes a *ForMaskedLM model directory (decoder
  tied to the word embeddings) that embed, a later finetune and Python transformers load. Families as
  finetune: DistilBERT, BERT, RoBERTa (XLM-RoBERTa, CamemBERT), ELECTRA (its generator head), ALBERT, MPNet.
  --steps <n>              optimizer steps (same as --max-steps)
  --mlm-probability <p>    share of tokens masked: 80% [MASK], 10% random, 10% kept (default 0.15)
  --whole-word-mask        mask all pieces of a word together
  --wwm-ref <file>         whole-word reference for text without "##" pieces (Chinese): per non-empty corpus
                           line a JSON array of token positions that continue a word ([CLS] is 0), as
                           transformers' run_chinese_ref.py writes; implies --whole-word-mask
  --max-length <n>         tokens per line, special tokens included (default 128)
  --eval-lines <n>         last non-empty lines held out, evaluated with fixed masks (default 500; 0: none)
  --eval-every <n>         held-out masked-token loss every n steps (default 250)
${RUN_USAGE}`;

export async function pretrainCommand(argv: string[]): Promise<void> {
  const p = parseCommand(
    bareResume(argv),
    { ...RUN_OPTIONS, corpus: { type: 'string' }, steps: { type: 'string' }, 'mlm-probability': { type: 'string' }, 'whole-word-mask': { type: 'boolean' }, 'wwm-ref': { type: 'string' }, 'eval-lines': { type: 'string' } },
    PRETRAIN_USAGE,
  );
  if (!p) return;
  for (const name of ['model', 'corpus', 'out']) required(p, name, PRETRAIN_USAGE);
  if (str(p, 'steps') !== undefined && str(p, 'max-steps') !== undefined) throw new CliError('E_USAGE', '--steps and --max-steps are the same option; give one');
  if (str(p, 'steps') === undefined && str(p, 'max-steps') === undefined && str(p, 'epochs') === undefined) throw new CliError('E_USAGE', 'give --steps <n> or --epochs <e> (see bertkit pretrain --help)');
  const probability = num(p, 'mlm-probability', 0.15);
  if (!(probability > 0 && probability < 1)) throw new CliError('E_USAGE', `--mlm-probability must be between 0 and 1, got ${probability}`);
  const evalLines = int(p, 'eval-lines', 500, 0);
  const run = runOptions(p);
  const steps = str(p, 'steps') === undefined ? undefined : int(p, 'steps', 1);
  const output = reporting(p);

  const model = trainableModel(str(p, 'model') as string);
  const maxLength = maxLengthFor(p, model, 128);
  const tokenizer = nativeTokenizer(loadTokenizer(model), model);
  const ref = str(p, 'wwm-ref');
  const corpus = await readCorpus(str(p, 'corpus') as string, tokenizer, { maxLength, evalLines, ...(ref !== undefined ? { ref } : {}) });
  if (!output.quiet) process.stderr.write(`corpus: ${corpus.train.length} training lines, ${corpus.heldOut.length} held out\n`);
  await runTraining(
    {
      ...run,
      ...(steps !== undefined ? { maxSteps: steps } : {}),
      ...(corpus.heldOut.length > 0 ? { dev: corpus.heldOut, evalEvery: run.evalEvery ?? 250 } : {}),
      model,
      task: 'masked-lm',
      train: corpus.train,
      out: str(p, 'out') as string,
      mlm: { probability, wholeWord: flag(p, 'whole-word-mask') || ref !== undefined },
    },
    output,
  );
}
