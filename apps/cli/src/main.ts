import { CliError, isUserError } from './cli-error.js';
import { CONVERT_USAGE, QUANTIZE_USAGE, RANDOM_MODEL_USAGE, convertCommand, quantizeCommand, randomModelCommand } from './model-tools-command.js';
import { DEMO_USAGE, demoCommand } from './demo-command.js';
import { EMBED_USAGE, embedCommand } from './embed-command.js';
import { EVAL_USAGE, evalCommand } from './eval-command.js';
import { FINETUNE_USAGE, finetuneCommand } from './finetune-command.js';
import { InterruptedError, installInterruptHandlers } from './interrupt.js';
import { MERGE_SHARDS_USAGE, mergeShardsCommand } from './merge-shards-command.js';
import { PREDICT_USAGE, predictCommand } from './predict-command.js';
import { PRETRAIN_USAGE, pretrainCommand } from './pretrain-command.js';
import { PULL_USAGE, pullCommand } from './pull-command.js';
import { SERVE_USAGE, serveCommand } from './serve/serve-command.js';
import { removePartialOutputs } from './outputs.js';
import { TOKENIZE_USAGE, tokenizeCommand } from './tokenize-command.js';
import { TRAIN_USAGE, trainCommand } from './train-command.js';
import { VERSION_USAGE, versionCommand } from './version-command.js';
import { cliVersion } from './version.js';

const COMMANDS: Record<string, { run: (argv: string[]) => void | Promise<void>; usage: string; summary: string }> = {
  demo: { run: demoCommand, usage: DEMO_USAGE, summary: 'the seed workflow on SST-2: embed, fit, evaluate, predict' },
  pull: { run: pullCommand, usage: PULL_USAGE, summary: 'download a model from the Hugging Face Hub into the cache' },
  tokenize: { run: tokenizeCommand, usage: TOKENIZE_USAGE, summary: 'WordPiece ids, tokens and offsets as JSON lines' },
  embed: { run: embedCommand, usage: EMBED_USAGE, summary: 'sentence vectors to .npy, .f32 or JSON lines (--shard K/N: one slice)' },
  'merge-shards': { run: mergeShardsCommand, usage: MERGE_SHARDS_USAGE, summary: 'join the parts of "embed --shard" runs in input order' },
  train: { run: trainCommand, usage: TRAIN_USAGE, summary: 'fit a head (classify, ner, qa) and save a bundle' },
  finetune: { run: finetuneCommand, usage: FINETUNE_USAGE, summary: 'fine-tune the encoder with a task head (classify, ner, qa) into a model directory' },
  pretrain: { run: pretrainCommand, usage: PRETRAIN_USAGE, summary: 'masked-LM pretraining on a text corpus into a *ForMaskedLM directory' },
  eval: { run: evalCommand, usage: EVAL_USAGE, summary: 'score a bundle on labelled data' },
  predict: { run: predictCommand, usage: PREDICT_USAGE, summary: 'labels, entities or answers as JSON lines' },
  serve: { run: serveCommand, usage: SERVE_USAGE, summary: 'HTTP inference server with dynamic batching (TEI / OpenAI routes)' },
  convert: { run: convertCommand, usage: CONVERT_USAGE, summary: 'safetensors checkpoint -> ONNX' },
  'random-model': { run: randomModelCommand, usage: RANDOM_MODEL_USAGE, summary: 'a model directory with seeded random weights' },
  quantize: { run: quantizeCommand, usage: QUANTIZE_USAGE, summary: 'int8 dynamic quantization of an ONNX model' },
  version: { run: versionCommand, usage: VERSION_USAGE, summary: 'the version of bertkit (also --version)' },
};

const USAGE = `bertkit ${cliVersion()}

bertkit <command> [options]   (bertkit <command> --help for its options)

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`)
  .join('\n')}

Exit codes: 0 success, 1 usage or data error (one line on stderr), 2 internal error, 130 interrupted.
Models: a directory in Hugging Face layout, an .onnx file, or a Hub id fetched with "bertkit pull".`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
    console.log(topic ? topic.usage : USAGE);
    return;
  }
  if (command === '--version' || command === '-V') return void console.log(cliVersion());
  const c = COMMANDS[command];
  if (!c) throw new CliError('E_USAGE', `unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
  await c.run(rest);
}

// `bertkit tokenize big.txt | head`: the reader left, so stop quietly (as Unix filters do) instead of
// reporting a write error; files being written are removed as on any unfinished run.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  removePartialOutputs();
  process.exit(0);
});

// Ctrl-C / SIGTERM: no partial output may stay behind looking complete; training commands claim the
// first signal to save a checkpoint (interrupt.ts).
installInterruptHandlers();

main(process.argv.slice(2)).catch((error: unknown) => {
  removePartialOutputs();
  if (error instanceof InterruptedError) {
    process.stderr.write(`bertkit: ${error.message}\n`);
    process.exitCode = 130;
    return;
  }
  if (isUserError(error)) {
    process.stderr.write(`bertkit: ${error.message.split('\n')[0]}\n`);
    process.exitCode = 1;
    return;
  }
  process.stderr.write(`bertkit: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exitCode = 2;
});
