import { join } from 'node:path';
import { MODEL_TYPES, RANDOM_MODEL_PRESETS, convertCheckpoint, createRandomModel, quantizeModel } from '@bertkit/onnx-builder';
import { flag, int, oneOf, parseCommand, str } from './args.js';
import { CliError } from './cli-error.js';
import { resolveModel } from './model-ref.js';
import { formatBytes } from './progress.js';
import { findShared } from '@bertkit/shared-data';
import { resolveModelFiles } from '@bertkit/encoder';

export const CONVERT_USAGE = `bertkit convert <checkpoint dir> [--output <dir>] [--hidden-states]
  config.json + model.safetensors, sharded safetensors or pytorch_model.bin (read without Python; a pickle
  that calls anything but tensor rebuilding is refused) of BERT, DistilBERT, RoBERTa, XLM-R, CamemBERT,
  ALBERT, ELECTRA or MPNet, with or without their key prefix and legacy gamma/beta names
  -> <output>/onnx/model.onnx with the interface of a Hugging Face export (last_hidden_state, plus logits or
  start/end logits for a fine-tuned *ForSequenceClassification / *ForTokenClassification /
  *ForQuestionAnswering); config.json and tokenizer files are copied. Default output: the checkpoint directory.
  --hidden-states   also output every layer (hidden_states.0..L)`;

export const RANDOM_MODEL_USAGE = `bertkit random-model --output <dir> [options]
  A complete model directory with seeded random weights (config.json, model.safetensors,
  onnx/model.onnx, tokenizer files): real shapes and graph for tests and benchmarks, chance-level features.
  --preset <p>        tiny | base (DistilBERT-base: 768 hidden, 6 layers, 12 heads; default tiny) |
                      bert-tiny | bert-base | roberta-tiny | roberta-base | albert-tiny | albert-base |
                      electra-tiny | electra-small | mpnet-tiny | mpnet-base
  --arch <a>          distilbert | bert | roberta | xlm-roberta | camembert | albert | electra | mpnet
  --hidden, --layers, --heads, --intermediate, --vocab <n>   override the preset
  --seed <n>          default 0
  --tokenizer <dir>   tokenizer files to copy (default, from ../shared: bert-base-uncased for BERT,
                      DistilBERT and ELECTRA; roberta-base's byte-level BPE for RoBERTa-style models;
                      all-mpnet-base-v2's for MPNet; a tiny byte-level BPE for ALBERT, whose SentencePiece
                      files are not in ../shared)`;

/** Real tokenizer files in ../shared matching each family's vocabulary (sizes equal the presets'). */
const DEFAULT_TOKENIZER: Record<string, string | null> = {
  distilbert: 'tokenizers/bert-base-uncased',
  bert: 'tokenizers/bert-base-uncased',
  electra: 'tokenizers/bert-base-uncased',
  roberta: 'hub-files/FacebookAI--roberta-base',
  'xlm-roberta': 'hub-files/FacebookAI--roberta-base',
  camembert: 'hub-files/FacebookAI--roberta-base',
  mpnet: 'hub-files/sentence-transformers--all-mpnet-base-v2',
  albert: null,
};

export const QUANTIZE_USAGE = `bertkit quantize <model dir | model.onnx> [--output <file>] [--per-tensor] [--no-embeddings]
  int8 dynamic quantization: weight MatMuls become DynamicQuantizeMatMul (per-column scales), embedding
  tables int8 with per-row scales. Writes onnx/model_quantized.onnx beside the model (load it with
  --quantized).`;

export function convertCommand(argv: string[]): void {
  const p = parseCommand(argv, { output: { type: 'string', short: 'o' }, 'hidden-states': { type: 'boolean' } }, CONVERT_USAGE);
  if (!p) return;
  const dir = p.positionals[0];
  if (!dir) throw new CliError('E_USAGE', 'give the checkpoint directory (see bertkit convert --help)');
  const output = str(p, 'output');
  const r = convertCheckpoint(dir, { ...(output ? { output } : {}), hiddenStates: flag(p, 'hidden-states') });
  if (flag(p, 'json')) return void console.log(JSON.stringify(r));
  console.log(`${r.arch} (${r.shape.layers} layers, hidden ${r.shape.hidden}, ${(r.parameters / 1e6).toFixed(1)}M parameters, key prefix ${JSON.stringify(r.prefix)}) -> ${r.onnx} (${formatBytes(r.bytes)})`);
  if (r.ignored.length) console.log(`ignored ${r.ignored.length} tensors the encoder does not use: ${r.ignored.slice(0, 6).join(', ')}${r.ignored.length > 6 ? ', ...' : ''}`);
}

export function randomModelCommand(argv: string[]): void {
  const numeric = ['hidden', 'layers', 'heads', 'intermediate', 'vocab'] as const;
  const p = parseCommand(
    argv,
    { output: { type: 'string', short: 'o' }, preset: { type: 'string' }, arch: { type: 'string' }, seed: { type: 'string' }, tokenizer: { type: 'string' }, ...Object.fromEntries(numeric.map((n) => [n, { type: 'string' as const }])) },
    RANDOM_MODEL_USAGE,
  );
  if (!p) return;
  const output = str(p, 'output') ?? p.positionals[0];
  if (!output) throw new CliError('E_USAGE', '--output is required (see bertkit random-model --help)');
  const preset = oneOf(p, 'preset', Object.keys(RANDOM_MODEL_PRESETS) as Array<keyof typeof RANDOM_MODEL_PRESETS>, 'tiny');
  const arch = str(p, 'arch') === undefined ? undefined : oneOf(p, 'arch', MODEL_TYPES, 'distilbert');
  const family = arch ?? RANDOM_MODEL_PRESETS[preset].arch;
  const shared = findShared();
  const fallback = DEFAULT_TOKENIZER[family];
  const tokenizer = str(p, 'tokenizer') ?? (shared && fallback ? join(shared, fallback) : undefined);
  if (!tokenizer && fallback) throw new CliError('E_USAGE', '--tokenizer is required (a directory with tokenizer.json or vocab.txt)');
  const overrides: Record<string, number> = {};
  for (const n of numeric) if (str(p, n) !== undefined) overrides[n] = int(p, n, 1);
  const started = performance.now();
  const m = createRandomModel({ output, preset, seed: int(p, 'seed', 0, 0), ...(tokenizer ? { tokenizer } : {}), ...(arch ? { arch } : {}), ...overrides });
  if (flag(p, 'json')) return void console.log(JSON.stringify(m));
  console.log(`${m.created ? 'wrote' : 'kept the identical'} random ${m.shape.arch} (${m.shape.layers} layers, hidden ${m.shape.hidden}, ${(m.parameters / 1e6).toFixed(1)}M parameters, seed ${m.seed}) in ${m.dir} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

export function quantizeCommand(argv: string[]): void {
  const p = parseCommand(argv, { output: { type: 'string', short: 'o' }, 'per-tensor': { type: 'boolean' }, 'no-embeddings': { type: 'boolean' } }, QUANTIZE_USAGE);
  if (!p) return;
  const arg = p.positionals[0];
  if (!arg) throw new CliError('E_USAGE', 'give a model directory or .onnx file (see bertkit quantize --help)');
  const input = resolveModelFiles(resolveModel(arg)).onnx;
  const output = str(p, 'output');
  const r = quantizeModel(input, { ...(output ? { output } : {}), perChannel: !flag(p, 'per-tensor'), embeddings: !flag(p, 'no-embeddings') });
  if (flag(p, 'json')) return void console.log(JSON.stringify(r));
  console.log(`${r.matmuls} MatMuls and ${r.gathers} embedding tables to int8: ${r.output} (${formatBytes(r.outputBytes)}, ${((100 * r.outputBytes) / r.inputBytes).toFixed(0)}% of ${formatBytes(r.inputBytes)}; worst weight error ${(r.worstRelativeError * 100).toFixed(2)}% of the tensor's range)`);
}
