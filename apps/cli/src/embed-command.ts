import type { PoolingMethod } from '@bertkit/encoder';
import { flag, int, intList, oneOf, parseCommand, str } from './args.js';
import { CliError } from './cli-error.js';
import { readTexts } from './inputs.js';
import { loadEncoder } from './model-ref.js';
import { AtomicFile, float32Bytes, npyHeader } from './outputs.js';
import { Progress } from './progress.js';

export const EMBED_USAGE = `bertkit embed --model <dir | model.onnx | hub-id> [options] [<file> | -]
  Sentence vectors, one per input line (a .tsv's first column; with --pair, TAB-separated pairs).
  --output <file>         .npy (float32 rows x dim), .f32 (raw little-endian float32) or .jsonl;
                          default: JSON lines on stdout
  --pooling <m>           cls | mean | max | layer-concat (default cls)
  --layers <list>         hidden states to pool, e.g. -1,-2,-3,-4 (default -1; layer-concat: last four)
  --layer-pooling <m>     how layer-concat pools each layer: cls | mean (default cls)
  --normalize             unit-length vectors
  --long <m>              truncate | window: inputs longer than the model (default truncate)
  --quantized             use onnx/model_quantized.onnx
  --batch-tokens <n>      padded tokens per batch
  --pair                  inputs are TAB-separated text pairs
  --header                skip the first line
  --json                  print a summary as JSON on stdout (needs --output)`;

export async function embedCommand(argv: string[]): Promise<void> {
  const p = parseCommand(
    argv,
    {
      model: { type: 'string' },
      output: { type: 'string', short: 'o' },
      pooling: { type: 'string' },
      layers: { type: 'string' },
      'layer-pooling': { type: 'string' },
      normalize: { type: 'boolean' },
      long: { type: 'string' },
      quantized: { type: 'boolean' },
      'batch-tokens': { type: 'string' },
      pair: { type: 'boolean' },
      header: { type: 'boolean' },
    },
    EMBED_USAGE,
  );
  if (!p) return;
  const model = str(p, 'model');
  if (!model) throw new CliError('E_USAGE', `--model is required (see --help)`);
  const output = str(p, 'output');
  if (output && !/\.(npy|f32|jsonl)$/.test(output)) throw new CliError('E_USAGE', `--output must end in .npy, .f32 or .jsonl, got ${JSON.stringify(output)}`);
  if (flag(p, 'json') && !output) throw new CliError('E_USAGE', '--json prints a summary and needs --output for the vectors');
  const pooling = oneOf<PoolingMethod>(p, 'pooling', ['cls', 'mean', 'max', 'layer-concat'], 'cls');
  const layerPooling = oneOf(p, 'layer-pooling', ['cls', 'mean'] as const, 'cls');
  const long = oneOf(p, 'long', ['truncate', 'window'] as const, 'truncate');
  const batchTokens = str(p, 'batch-tokens') === undefined ? undefined : int(p, 'batch-tokens', 0);
  const inputs = readTexts(p.positionals[0] ?? '-', { pairs: flag(p, 'pair'), header: flag(p, 'header') });
  if (inputs.length === 0) throw new CliError('E_INPUT', `no input lines in ${p.positionals[0] ?? 'standard input'}`);

  const { encoder } = await loadEncoder(model, { quantized: flag(p, 'quantized') });
  // Opened before the work so an unwritable path fails fast; removed if the run is interrupted.
  const file = output ? new AtomicFile(output) : null;
  const progress = new Progress('embed', 'sentences');
  const started = performance.now();
  try {
    const layers = intList(p, 'layers');
    const e = await encoder.embed(inputs, {
      pooling,
      layerPooling,
      normalize: flag(p, 'normalize'),
      long,
      ...(layers ? { layers } : {}),
      ...(batchTokens ? { batchTokens } : {}),
      onProgress: (x) => progress.update(x.done, x.total),
    });
    progress.done();
    const seconds = (performance.now() - started) / 1000;
    if (file && output?.endsWith('.npy')) {
      file.write(npyHeader(e.rows, e.dim));
      file.write(float32Bytes(e.data));
    } else if (file && output?.endsWith('.f32')) {
      file.write(float32Bytes(e.data));
    } else {
      const write = (s: string) => (file ? file.write(s) : process.stdout.write(s));
      const lines: string[] = [];
      for (let r = 0; r < e.rows; r++) {
        lines.push(JSON.stringify({ index: r, embedding: Array.from(e.data.subarray(r * e.dim, (r + 1) * e.dim)) }));
        if (lines.length === 256) write(`${lines.splice(0).join('\n')}\n`);
      }
      if (lines.length) write(`${lines.join('\n')}\n`);
    }
    file?.commit();
    const summary = { output: output ?? null, rows: e.rows, dim: e.dim, pooling, seconds, sentencesPerSecond: e.rows / seconds, longInputs: e.longInputs, paddingFraction: e.paddingFraction };
    if (flag(p, 'json')) console.log(JSON.stringify(summary));
    else if (output) {
      console.error(`wrote ${e.rows} x ${e.dim} ${pooling} vectors to ${output} in ${seconds.toFixed(1)} s (${summary.sentencesPerSecond.toFixed(0)} sentences/s${e.longInputs ? `, ${e.longInputs} long inputs ${long === 'window' ? 'windowed' : 'truncated'}` : ''})`);
    }
  } catch (error) {
    file?.abort();
    throw error;
  } finally {
    await encoder.release();
  }
}
