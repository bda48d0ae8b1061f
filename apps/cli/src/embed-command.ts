import { POOLING_METHODS, type PoolingMethod } from '@bertkit/encoder';
import { flag, int, intList, oneOf, parseCommand, str } from './args.js';
import { CliError } from './cli-error.js';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { EmbeddingWriter, vectorFormat } from './embedding-writer.js';
import { type TextInput, inputName, readLineStream, readTextStream } from './inputs.js';
import { loadEncoder } from './model-ref.js';
import { Progress, progressMode } from './progress.js';
import { parseShard, shardPartPath, shardRange, writeShardManifest } from './shard.js';

export const EMBED_USAGE = `bertkit embed --model <dir | model.onnx | hub-id> [options] [<file> | -]
  Sentence vectors, one per input line (a .tsv's first column; with --pair, TAB-separated pairs).
  --output <file>         .npy (float32 rows x dim), .f32 (raw little-endian float32) or .jsonl;
                          default: JSON lines on stdout
  --pooling <m>           cls | mean | max | layer-concat | mean-sqrt-len | weighted-mean | last-token
                          (default: the model's sentence-transformers pooling when it has one, else cls)
  --layers <list>         hidden states to pool, e.g. -1,-2,-3,-4 (default -1; layer-concat: last four)
  --layer-pooling <m>     how layer-concat pools each layer: cls | mean (default cls)
  --normalize             unit-length vectors (--no-normalize: raw, even where the model's
                          sentence-transformers layout has a Normalize module)
  --long <m>              truncate | window: inputs longer than the model (default truncate)
  --quantized             use onnx/model_quantized.onnx
  --batch-tokens <n>      padded tokens per batch
  --pair                  inputs are TAB-separated text pairs
  --header                skip the first line
  --shard <K/N>           embed only the K-th (0-based) of N contiguous slices of the input file's lines
                          and write <output stem>.shard-K-of-N.<ext> plus a manifest; join the parts
                          with "bertkit merge-shards --output <output>" (needs --output and a file)
  --chunk <n>             lines embedded at a time while streaming (default 4096)
  --progress <m>          bar | json | none: rows done on stderr (default: bar on a terminal, else none;
                          json: one line per chunk with rows, seconds and rssBytes)
  --json                  print a summary as JSON on stdout (needs --output)
  Input is streamed: vectors are written as they are computed, so memory stays flat for any length.`;

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
      'no-normalize': { type: 'boolean' },
      long: { type: 'string' },
      quantized: { type: 'boolean' },
      'batch-tokens': { type: 'string' },
      pair: { type: 'boolean' },
      header: { type: 'boolean' },
      shard: { type: 'string' },
      chunk: { type: 'string' },
      progress: { type: 'string' },
    },
    EMBED_USAGE,
  );
  if (!p) return;
  const model = str(p, 'model');
  if (!model) throw new CliError('E_USAGE', `--model is required (see --help)`);
  const output = str(p, 'output');
  if (output && !vectorFormat(output)) throw new CliError('E_USAGE', `--output must end in .npy, .f32 or .jsonl, got ${JSON.stringify(output)}`);
  if (flag(p, 'json') && !output) throw new CliError('E_USAGE', '--json prints a summary and needs --output for the vectors');
  // Unset options stay unset so that a sentence-transformers model's own settings (pooling, Normalize)
  // apply, as SentenceTransformer.encode would; flags given by the user win.
  const poolingArg = str(p, 'pooling') === undefined ? undefined : oneOf<PoolingMethod>(p, 'pooling', POOLING_METHODS, 'cls');
  if (flag(p, 'normalize') && flag(p, 'no-normalize')) throw new CliError('E_USAGE', '--normalize and --no-normalize contradict each other');
  const normalize = flag(p, 'normalize') ? true : flag(p, 'no-normalize') ? false : undefined;
  const layerPooling = oneOf(p, 'layer-pooling', ['cls', 'mean'] as const, 'cls');
  const long = oneOf(p, 'long', ['truncate', 'window'] as const, 'truncate');
  const batchTokens = str(p, 'batch-tokens') === undefined ? undefined : int(p, 'batch-tokens', 0);
  const chunk = int(p, 'chunk', 4096);
  const layers = intList(p, 'layers');
  const progressKind = progressMode(p);
  const input = p.positionals[0] ?? '-';
  const textOptions = { pairs: flag(p, 'pair'), header: flag(p, 'header') };
  const shard = str(p, 'shard') === undefined ? null : parseShard(str(p, 'shard') as string);
  if (shard && !output) throw new CliError('E_USAGE', '--shard writes a part file and needs --output (the name of the merged file)');
  if (shard && input === '-') throw new CliError('E_USAGE', '--shard needs an input file: every shard counts the lines to find its slice, which standard input cannot give twice');

  // A shard counts the input's lines first (a fast pass that holds one chunk) to find its slice.
  const lines = shard ? await countTexts(input, textOptions.header) : 0;
  const range = shard ? shardRange(shard, lines) : { start: 0, end: Number.POSITIVE_INFINITY };
  const target = shard && output ? shardPartPath(output, shard) : (output ?? null);

  const { encoder } = await loadEncoder(model, { quantized: flag(p, 'quantized') });
  const pooling = poolingArg ?? encoder.defaults.poolingModes.join('+');
  // Opened before the work so an unwritable path fails fast; removed if the run is interrupted.
  let writer: EmbeddingWriter | null = null;
  const progress = new Progress('embed', 'sentences', progressKind);
  const started = performance.now();
  let longInputs = 0;
  let padded = 0;
  try {
    writer = new EmbeddingWriter(target, range.start);
    const options = { ...(poolingArg ? { pooling: poolingArg } : {}), layerPooling, ...(normalize === undefined ? {} : { normalize }), long, ...(layers ? { layers } : {}), ...(batchTokens ? { batchTokens } : {}) };
    for await (const e of encoder.embedStream(slice(readTextStream(input, textOptions), range.start, range.end), { ...options, chunk })) {
      writer.write(e.data, e.rows, e.dim);
      longInputs += e.longInputs;
      padded += e.paddingFraction * e.rows;
      progress.update(writer.rows, shard ? range.end - range.start : Number.NaN);
    }
    if (writer.rows === 0 && !shard) throw new CliError('E_INPUT', `no input lines in ${inputName(input)}`);
    progress.done();
    writer.finish();
    const rows = writer.rows;
    const dim = writer.dim;
    if (shard && target) {
      writeShardManifest(target, {
        format: 'bertkit-embed-shard',
        version: 1,
        shard: shard.index,
        shards: shard.count,
        lines,
        start: range.start,
        end: range.end,
        rows,
        dim: Math.max(dim, 0),
        input: { name: basename(input), bytes: statSync(input).size },
        options: { model, quantized: flag(p, 'quantized'), ...options, pairs: textOptions.pairs, header: textOptions.header, format: writer.format },
      });
    }
    const seconds = (performance.now() - started) / 1000;
    const summary = { output: target, rows, dim, pooling, seconds, sentencesPerSecond: rows / seconds, longInputs, paddingFraction: rows ? padded / rows : 0, ...(shard ? { shard: `${shard.index}/${shard.count}`, start: range.start, end: range.end, lines } : {}) };
    if (flag(p, 'json')) console.log(JSON.stringify(summary));
    else if (target) {
      const what = shard ? ` (lines ${range.start}..${range.end - 1} of ${lines}, shard ${shard.index}/${shard.count})` : '';
      console.error(`wrote ${rows} x ${dim} ${pooling} vectors to ${target}${what} in ${seconds.toFixed(1)} s (${summary.sentencesPerSecond.toFixed(0)} sentences/s${longInputs ? `, ${longInputs} long inputs ${long === 'window' ? 'windowed' : 'truncated'}` : ''})`);
    }
  } catch (error) {
    writer?.abort();
    throw error;
  } finally {
    await encoder.release();
  }
}

/** Texts [start, end) of a stream; stops reading (and closes the input) at `end`. */
async function* slice(source: AsyncGenerator<TextInput>, start: number, end: number): AsyncGenerator<TextInput> {
  if (start >= end) return void (await source.return(undefined));
  let i = 0;
  for await (const t of source) {
    if (i >= start) yield t;
    if (++i >= end) break;
  }
}

/** How many texts a file holds (its lines, less the header), read as a stream. */
async function countTexts(path: string, header: boolean): Promise<number> {
  let n = 0;
  for await (const _ of readLineStream(path)) n++;
  return header ? Math.max(0, n - 1) : n;
}

