import { readFileSync } from 'node:fs';
import { type AnyTokenizer, type Encoding, loadTokenizer } from '@bertkit/wordpiece';
import { maxAbsDiff, rowCosines } from './compare.js';
import { EncoderError, EncoderTypeError } from './errors.js';
import { defaultLayers, resolveLayers } from './layers.js';
import { type ModelConfig, readModelConfig, usablePositions } from './model-config.js';
import { type ModelFiles, resolveModelFiles } from './model-files.js';
import { type GraphInfo, readGraphInfo } from './onnx/graph-info.js';
import { withClsShortcut } from './onnx/cls-shortcut.js';
import { findHiddenStates, withExtraOutputs } from './onnx/layer-outputs.js';
import { WireError } from './onnx/proto-wire.js';
import { paddingFraction, planBatches } from './planner.js';
import { POOLING_METHODS, type PoolingMethod, type RowPooling, l2Normalize, poolRow } from './pooling.js';
import { type EncoderInput, type Rows, checkInput, checkInputs, hasOffsets, padRows, tokenizeRows } from './rows.js';
import { type SentenceTransformersSettings, prepareText, readSentenceTransformers } from './sentence-transformers.js';
import { type BatchInput, OnnxRunner, type RunnerOptions } from './runner.js';

export interface LoadOptions extends RunnerOptions {
  /** Load onnx/model_quantized.onnx instead of onnx/model.onnx. Default false. */
  quantized?: boolean;
  /** A tokenizer to use instead of the one loadTokenizer finds in the model directory. */
  tokenizer?: AnyTokenizer;
  /**
   * Longest input in tokens, special tokens included. Default: sentence_bert_config.json max_seq_length
   * when present, else model_max_length; capped by the position table.
   */
  maxLength?: number;
  /**
   * For [CLS] pooling, run the last block on position 0 only (see withClsShortcut), in a second session
   * made on first use and checked against the full graph. Default true; false saves that session's memory.
   */
  clsShortcut?: boolean;
}

export interface EmbedOptions {
  /** Default: the model's sentence-transformers pooling (1_Pooling), else 'cls'. */
  pooling?: PoolingMethod;
  /** Hidden states to pool (0 = embeddings, -1 = last). Default [-1]; for layer-concat the last four layers. */
  layers?: number[];
  /** How layer-concat pools each layer. Default 'cls'. */
  layerPooling?: 'cls' | 'mean';
  /** Scale each vector to unit L2 norm. Default: true when modules.json lists Normalize, else false. */
  normalize?: boolean;
  /** Text prepended to every input (first text of a pair), as SentenceTransformer.encode(prompt=...). */
  prompt?: string;
  /** A prompt named in config_sentence_transformers.json; default its default_prompt_name. */
  promptName?: string;
  /** Padded tokens per batch (rows x padded length). Default 1024 x 768 / hidden (at least 1024). */
  batchTokens?: number;
  /** Inputs longer than maxLength: cut ('truncate', default) or split into windows averaged into one vector. */
  long?: 'truncate' | 'window';
  /** Tokens shared by consecutive windows. Default maxLength / 4. */
  stride?: number;
  /** Called after each batch (embedStream: after each chunk, with `total` NaN since a stream has no known end). */
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface Embeddings {
  /** rows x dim, row-major, in input order. */
  data: Float32Array;
  rows: number;
  dim: number;
  /** Inputs longer than maxLength (truncated, or split into windows). */
  longInputs: number;
  /** Share of the computed positions that were padding. */
  paddingFraction: number;
}

export interface TokenVectors extends Encoding {
  /** Index of the input this row (or window) comes from. */
  input: number;
  /** length x dim: each token's vector (layers concatenated when several are asked for). */
  vectors: Float32Array;
  dim: number;
}

/**
 * Padded tokens per batch. Measured on DistilBERT-base here, batches of 512-1024 tokens run the GEMMs at
 * ~195 GFLOP/s and 8192-token batches at ~160 (activations fall out of cache); narrower models need
 * larger batches to amortise the per-run overhead, so the default scales with 768 / hidden.
 */
function defaultBatchTokens(hidden: number): number {
  return Math.max(1024, Math.round((1024 * 768) / hidden));
}

/** What embed() uses when an option is not given: from a sentence-transformers layout, or the plain defaults. */
export interface EmbedDefaults {
  /** One mode, or several that sentence-transformers concatenates (then `pooling` is the first). */
  pooling: RowPooling;
  poolingModes: RowPooling[];
  normalize: boolean;
  maxLength: number;
  /** The default prompt's name and text, or null. */
  promptName: string | null;
  prompt: string | null;
}

/** A BERT-family ONNX encoder with its tokenizer: text in, pooled or per-token vectors out. */
export class Encoder {
  private constructor(
    readonly files: ModelFiles,
    readonly config: ModelConfig,
    readonly tokenizer: AnyTokenizer,
    private readonly runner: OnnxRunner,
    /** Output name of hidden_states[i], or null when the graph's blocks could not be identified. */
    private readonly hiddenStates: string[] | null,
    private readonly layersError: EncoderError | null,
    readonly maxLength: number,
    private readonly padId: number,
    private readonly graph: GraphInfo,
    private readonly options: LoadOptions,
    /** The sentence-transformers settings of the directory (modules.json and friends), or null. */
    readonly sentenceTransformers: SentenceTransformersSettings | null,
  ) {
    const st = sentenceTransformers;
    const modes = st?.pooling ?? ['cls'];
    const promptName = st?.defaultPromptName ?? null;
    this.defaults = {
      pooling: modes[0] as RowPooling,
      poolingModes: modes,
      normalize: st?.normalize ?? false,
      maxLength,
      promptName,
      prompt: promptName === null ? null : (st?.prompts[promptName] ?? null),
    };
  }

  /** The options embed() falls back on; say what a model directory configured. */
  readonly defaults: EmbedDefaults;

  /** The [CLS]-only session: null when disabled or not applicable; a promise while it is being made. */
  private clsRunner: Promise<OnnxRunner | null> | null = null;

  /** Loads a Hugging Face style model directory (config.json, tokenizer files, onnx/model.onnx) or a .onnx path. */
  static async load(path: string, options: LoadOptions = {}): Promise<Encoder> {
    const files = resolveModelFiles(path, options);
    const config = readModelConfig(files.config);
    const tokenizer = options.tokenizer ?? loadTokenizer(files.dir);
    const sentenceTransformers = readSentenceTransformers(files.dir);
    const limit = idLimit(tokenizer);
    if (limit > config.vocabSize) {
      throw new EncoderError(
        'E_VOCAB_TOO_LARGE',
        `${files.dir}: the tokenizer emits ids up to ${limit - 1} but the model's embedding table has ${config.vocabSize} rows (config.json vocab_size)`,
        { file: files.config },
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(files.onnx);
    } catch (cause) {
      throw new EncoderError('E_MODEL_NOT_FOUND', `${files.onnx}: cannot read (${(cause as Error).message})`, { file: files.onnx, cause });
    }
    let graph: GraphInfo;
    try {
      graph = readGraphInfo(bytes);
    } catch (cause) {
      if (!(cause instanceof WireError)) throw cause;
      throw new EncoderError('E_BAD_ONNX', `${files.onnx}: not a readable ONNX model (${cause.message}); is the file truncated?`, { file: files.onnx, cause });
    }
    checkEmbeddingTable(graph, tokenizer, files.onnx);
    let hiddenStates: string[] | null = null;
    let layersError: EncoderError | null = null;
    try {
      hiddenStates = findHiddenStates(graph, config.layers, files.onnx);
    } catch (error) {
      if (!(error instanceof EncoderError)) throw error;
      layersError = error;
    }
    if (hiddenStates !== null && graph.externalData) {
      layersError = new EncoderError('E_LAYERS_UNAVAILABLE', `${files.onnx}: keeps its weights in an external data file; intermediate layers need a single-file model`);
      hiddenStates = null;
    }
    const extra = hiddenStates === null ? [] : hiddenStates.filter((name) => !graph.outputs.includes(name));
    // Weights in model.onnx_data: onnxruntime must open the graph by path to find them.
    const model = extra.length > 0 ? withExtraOutputs(bytes, extra, config.hidden) : graph.externalData ? files.onnx : bytes;
    const runner = await OnnxRunner.create(model, files.onnx, options);
    const positions = usablePositions(config);
    // sentence-transformers sets the tokenizer's truncation to max_seq_length (and pads to the longest),
    // whatever tokenizer.json's own truncation and padding say.
    const maxLength = options.maxLength ?? Math.min(sentenceTransformers?.maxSeqLength ?? tokenizer.modelMaxLength ?? positions, positions);
    if (!Number.isInteger(maxLength) || maxLength < 3 || maxLength > positions) {
      throw new EncoderError('E_INVALID_OPTION', `maxLength must be an integer in [3, ${positions}] (the position table), got ${maxLength}`);
    }
    const padId = config.padTokenId ?? tokenizer.tokenToId('[PAD]') ?? tokenizer.tokenToId('<pad>') ?? 0;
    return new Encoder(files, config, tokenizer, runner, hiddenStates, layersError, maxLength, padId, graph, options, sentenceTransformers);
  }

  get hidden(): number {
    return this.config.hidden;
  }

  /** One vector per input, pooled as asked, in input order. */
  async embed(inputs: readonly EncoderInput[], options: EmbedOptions = {}): Promise<Embeddings> {
    checkInputs(inputs);
    const plan = this.planPooling(options);
    const prompt = this.resolvePrompt(options);
    const st = this.sentenceTransformers;
    // As SentenceTransformer.encode: prompt + text, stripped (and lower-cased if configured).
    const prepare = (text: string) => (st === null ? prompt + text : prepareText(prompt + text, st.doLowerCase));
    const prepared = st === null && prompt === '' ? inputs : inputs.map((input): EncoderInput => (typeof input === 'string' ? prepare(input) : [prepare(input[0]), input[1]]));
    const rows = tokenizeRows(this.tokenizer, prepared, {
      maxLength: this.maxLength,
      long: options.long ?? 'truncate',
      stride: options.stride ?? Math.floor(this.maxLength / 4),
    });
    // sentence-transformers with include_prompt false pools without [CLS] and the prompt's tokens.
    const skip = prompt !== '' && st !== null && !st.includePrompt ? this.promptTokens(prompt, st.doLowerCase) : 0;
    const methods = plan.methods;
    const dim = this.hidden * plan.layers.length * methods.length;
    const rowVectors = new Float32Array(rows.lengths.length * dim);
    const shortcut = methods.length === 1 && methods[0] === 'cls' && plan.layers.includes(this.config.layers) ? await this.shortcutRunner() : null;
    let maskOf: BatchInput | null = null;
    let poolMask: Int32Array = new Int32Array(0);
    const fraction = await this.runRows(rows, plan.names, options, shortcut ?? this.runner, (outputs, batch, row, r) => {
      if (maskOf !== batch) {
        maskOf = batch;
        poolMask = batch.mask;
        if (skip > 0) {
          poolMask = batch.mask.slice();
          for (let q = 0; q < batch.rows; q++) poolMask.fill(0, q * batch.length, q * batch.length + Math.min(skip, batch.length));
        }
      }
      plan.layers.forEach((layer, j) => {
        // The shortcut's last_hidden_state holds position 0 only.
        const length = shortcut !== null && layer === this.config.layers ? 1 : batch.length;
        methods.forEach((method, k) => {
          const at = row * dim + (j * methods.length + k) * this.hidden;
          // [CLS] is position 0 even when the prompt's tokens (and [CLS]) are left out of pooling.
          const mask = method === 'cls' ? batch.mask : poolMask;
          poolRow(method, outputs[j] as Float32Array, mask, r, length, this.hidden, rowVectors, at);
        });
      });
    });
    // Windows of one input are averaged into its vector.
    const data = new Float32Array(inputs.length * dim);
    const counts = new Int32Array(inputs.length);
    for (let row = 0; row < rows.source.length; row++) {
      const input = rows.source[row] as number;
      counts[input] = (counts[input] as number) + 1;
      for (let d = 0; d < dim; d++) data[input * dim + d] = (data[input * dim + d] as number) + (rowVectors[row * dim + d] as number);
    }
    for (let i = 0; i < inputs.length; i++) {
      const c = counts[i] as number;
      if (c > 1) for (let d = 0; d < dim; d++) data[i * dim + d] = (data[i * dim + d] as number) / c;
    }
    if (options.normalize ?? this.defaults.normalize) l2Normalize(data, inputs.length, dim);
    return { data, rows: inputs.length, dim, longInputs: rows.longInputs, paddingFraction: fraction };
  }

  /**
   * Embeds a stream of inputs chunk by chunk (`chunk` inputs at a time, default 4096), yielding each
   * chunk's vectors in order: memory stays flat however long the stream is.
   */
  async *embedStream(
    source: AsyncIterable<EncoderInput> | Iterable<EncoderInput>,
    options: EmbedOptions & { chunk?: number } = {},
  ): AsyncGenerator<Embeddings & { offset: number }> {
    const size = options.chunk ?? 4096;
    if (!Number.isInteger(size) || size < 1) throw new EncoderError('E_INVALID_OPTION', `chunk must be a positive integer, got ${size}`);
    let pending: EncoderInput[] = [];
    let offset = 0;
    const { onProgress, ...rest } = options;
    const flush = async () => {
      const out = await this.embed(pending, rest);
      const result = { ...out, offset };
      offset += pending.length;
      pending = [];
      onProgress?.({ done: offset, total: Number.NaN });
      return result;
    };
    for await (const item of source) {
      checkInput(item, `source item ${offset + pending.length}`);
      pending.push(item);
      if (pending.length >= size) yield await flush();
    }
    if (pending.length > 0) yield await flush();
  }

  /** Every token's vector with the tokenizer's tokens, offsets and word ids, for token and span heads. */
  async encodeTokens(
    inputs: readonly EncoderInput[],
    options: Pick<EmbedOptions, 'layers' | 'batchTokens' | 'onProgress' | 'long' | 'stride'> & { truncation?: 'longest_first' | 'only_second' } = {},
  ): Promise<TokenVectors[]> {
    checkInputs(inputs);
    this.requireOffsets('encodeTokens');
    const layers = resolveLayers(options.layers ?? [-1], this.config.layers);
    const names = this.outputNames(layers);
    // Long inputs are truncated, or with long: 'window' returned as several stride-overlapping windows
    // (each its own row, `input` naming its source): QA contexts use truncation 'only_second'.
    const rows = tokenizeRows(this.tokenizer, inputs, {
      maxLength: this.maxLength,
      long: options.long ?? 'truncate',
      stride: options.long === 'window' ? (options.stride ?? Math.floor(this.maxLength / 4)) : 0,
      truncation: options.truncation ?? 'longest_first',
    });
    const dim = this.hidden * layers.length;
    const vectors = rows.ids.map((ids) => new Float32Array(ids.length * dim));
    await this.runRows(rows, names, options, this.runner, (outputs, batch, row, r) => {
      const target = vectors[row] as Float32Array;
      const n = rows.lengths[row] as number;
      for (let p = 0; p < n; p++) {
        layers.forEach((_, j) => {
          const src = (r * batch.length + p) * this.hidden;
          target.set((outputs[j] as Float32Array).subarray(src, src + this.hidden), p * dim + j * this.hidden);
        });
      }
    });
    return rows.encodings.map((e, i) => ({ ...(e as Encoding), overflowing: [], input: rows.source[i] as number, vectors: vectors[i] as Float32Array, dim }));
  }

  /**
   * Runs an already tokenized, padded batch (rows x length, row-major) and returns the asked hidden
   * states (default: all, 0 = embeddings) as rows x length x hidden arrays, padding positions included.
   */
  async forward(
    batch: { inputIds: Int32Array; attentionMask: Int32Array; tokenTypeIds?: Int32Array; rows: number; length: number },
    options: { layers?: number[] } = {},
  ): Promise<Float32Array[]> {
    const { inputIds, attentionMask, rows, length } = batch;
    if (inputIds.length !== rows * length || attentionMask.length !== rows * length) {
      throw new EncoderError('E_INVALID_OPTION', `forward: inputIds and attentionMask must hold rows x length = ${rows * length} values`);
    }
    const layers = resolveLayers(options.layers ?? Array.from({ length: this.config.layers + 1 }, (_, i) => i), this.config.layers);
    const typeIds = batch.tokenTypeIds ?? new Int32Array(rows * length);
    return this.runner.run({ rows, length, ids: inputIds, mask: attentionMask, typeIds }, this.outputNames(layers));
  }

  /**
   * How many tokens embed() runs for one input (special tokens included, cut at maxLength), for
   * batching budgets: tokenizer.encode() alone may pad to tokenizer.json's fixed length (all-MiniLM: 128).
   */
  tokenCount(input: EncoderInput): number {
    checkInput(input, 'input');
    return Math.min(tokenizeRows(this.tokenizer, [input], { maxLength: Number.MAX_SAFE_INTEGER, long: 'truncate', stride: 0 }).lengths[0] as number, this.maxLength);
  }

  /** Token-level results need offsets; the @huggingface/tokenizers fallback has none. */
  requireOffsets(what: string): void {
    if (!hasOffsets(this.tokenizer)) {
      const source = 'source' in this.tokenizer ? this.tokenizer.source : this.files.dir;
      throw new EncoderError('E_TOKENIZER_LIMITS', `${what}: token offsets are unavailable for this tokenizer (${source}, loaded through the @huggingface/tokenizers fallback); sentence embeddings still work`);
    }
  }

  async release(): Promise<void> {
    const cls = await this.clsRunner;
    await cls?.release();
    await this.runner.release();
  }

  /** Whether [CLS] pooling runs the pruned last block (made and checked on first use). */
  async usesClsShortcut(): Promise<boolean> {
    return (await this.shortcutRunner()) !== null;
  }

  private shortcutRunner(): Promise<OnnxRunner | null> {
    if (this.clsRunner === null) this.clsRunner = this.makeShortcutRunner();
    return this.clsRunner;
  }

  private async makeShortcutRunner(): Promise<OnnxRunner | null> {
    if (this.options.clsShortcut === false || this.hiddenStates === null) return null;
    const bytes = withClsShortcut(readFileSync(this.files.onnx), this.graph, this.hiddenStates, this.config.layers, this.hidden);
    if (bytes === null) return null;
    const extra = this.hiddenStates.filter((name) => !this.graph.outputs.includes(name));
    let runner: OnnxRunner;
    try {
      runner = await OnnxRunner.create(extra.length > 0 ? withExtraOutputs(bytes, extra, this.hidden) : bytes, this.files.onnx, this.options);
    } catch {
      return null;
    }
    // Trust but verify: an export whose last block does something unforeseen falls back to the full graph.
    const probe = this.padBatch(
      { ids: [Int32Array.from([101, 2023, 2003, 1037, 102]), Int32Array.from([101, 7592, 102])].map((a) => a.map((id) => id % this.config.vocabSize)), typeIds: [new Int32Array(5), new Int32Array(3)] },
      [0, 1],
      5,
    );
    try {
      const [full] = await this.runner.run(probe, ['last_hidden_state']);
      const [cls] = await runner.run(probe, ['last_hidden_state']);
      const H = this.hidden;
      // fp32 graphs must agree to rounding. A dynamically quantized graph quantizes activations with one
      // range per batch, and the sliced projection sees a different range, so there the vectors need
      // only point the same way (cosine), as int8 vectors of different batches do.
      const quantized = this.graph.nodes.some((n) => n.opType === 'DynamicQuantizeMatMul');
      let ok = cls?.length === 2 * H;
      for (let r = 0; ok && r < 2; r++) {
        const a = (full as Float32Array).subarray(r * 5 * H, r * 5 * H + H);
        const b = (cls as Float32Array).subarray(r * H, r * H + H);
        ok = quantized ? rowCosines(a, b, a.length).mean >= 0.999 : maxAbsDiff(a, b) <= 1e-4;
      }
      if (ok) return runner;
    } catch {
      // fall through to the full graph
    }
    await runner.release();
    return null;
  }

  private planPooling(options: EmbedOptions): { methods: RowPooling[]; layers: number[]; names: string[] } {
    const pooling = options.pooling ?? this.defaults.pooling;
    if (!POOLING_METHODS.includes(pooling)) {
      throw new EncoderError('E_INVALID_OPTION', `pooling must be one of ${POOLING_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(pooling)}`);
    }
    if (options.layers !== undefined && !Array.isArray(options.layers)) throw new EncoderTypeError('layers', 'an array of layer indexes', options.layers);
    const layers = resolveLayers(options.layers ?? defaultLayers(pooling, this.config.layers), this.config.layers);
    if (layers.length === 0) throw new EncoderError('E_INVALID_OPTION', 'layers must name at least one layer');
    if (pooling !== 'layer-concat' && layers.length !== 1) {
      throw new EncoderError('E_INVALID_OPTION', `pooling '${pooling}' takes one layer; use 'layer-concat' to concatenate ${layers.length}`);
    }
    const method: RowPooling = pooling === 'layer-concat' ? (options.layerPooling ?? 'cls') : pooling;
    if (pooling === 'layer-concat' && method !== 'cls' && method !== 'mean') {
      throw new EncoderError('E_INVALID_OPTION', `layerPooling must be 'cls' or 'mean', got ${JSON.stringify(method)}`);
    }
    // A sentence-transformers model pooling several ways concatenates them, unless the caller picks one.
    const methods = options.pooling === undefined ? this.defaults.poolingModes : [method];
    return { methods, layers, names: this.outputNames(layers) };
  }

  private resolvePrompt(options: EmbedOptions): string {
    if (options.prompt !== undefined) {
      if (typeof options.prompt !== 'string') throw new EncoderTypeError('prompt', 'a string', options.prompt);
      return options.prompt;
    }
    if (options.promptName !== undefined) {
      const prompts = this.sentenceTransformers?.prompts ?? {};
      const text = prompts[options.promptName];
      if (text === undefined) {
        const known = Object.keys(prompts);
        throw new EncoderError('E_INVALID_OPTION', `promptName ${JSON.stringify(options.promptName)} is not in config_sentence_transformers.json (${known.length ? `it has ${known.join(', ')}` : 'it has no prompts'})`);
      }
      return text;
    }
    return this.defaults.prompt ?? '';
  }

  /** The prompt's token count as sentence-transformers measures it: with special tokens, less the last ([SEP]). */
  private promptTokens(prompt: string, lower: boolean): number {
    // Counted through the attention mask: tokenizer.json may carry fixed padding (all-MiniLM's pads to 128).
    const e = this.tokenizer.encode(prepareText(prompt, lower));
    return e.attentionMask.reduce((n: number, m: number) => n + m, 0) - 1;
  }

  private outputNames(layers: readonly number[]): string[] {
    return layers.map((layer) => {
      if (layer === this.config.layers) return 'last_hidden_state';
      if (this.hiddenStates === null) throw this.layersError ?? new EncoderError('E_LAYERS_UNAVAILABLE', 'intermediate layers are not available');
      return this.hiddenStates[layer] as string;
    });
  }

  /** Plans batches over the rows, runs them and hands each row's outputs to `take`. */
  private async runRows(
    rows: Rows,
    names: readonly string[],
    options: Pick<EmbedOptions, 'batchTokens' | 'onProgress'>,
    runner: OnnxRunner,
    take: (outputs: Float32Array[], batch: BatchInput, row: number, r: number) => void,
  ): Promise<number> {
    const budget = options.batchTokens ?? defaultBatchTokens(this.hidden);
    if (!Number.isInteger(budget) || budget < 1) throw new EncoderError('E_INVALID_OPTION', `batchTokens must be a positive integer, got ${budget}`);
    const batches = planBatches(rows.lengths, Math.max(budget, this.maxLength));
    let done = 0;
    for (const planned of batches) {
      const batch = this.padBatch(rows, planned.rows, planned.length);
      const outputs = await runner.run(batch, names);
      planned.rows.forEach((row, r) => take(outputs, batch, row, r));
      done += planned.rows.length;
      options.onProgress?.({ done, total: rows.lengths.length });
    }
    return paddingFraction(rows.lengths, batches);
  }

  private padBatch(rows: Pick<Rows, 'ids' | 'typeIds'>, members: readonly number[], length: number): BatchInput {
    return padRows(rows, members, length, this.padId);
  }
}

/** The word embedding table, when the graph names it, must cover every id the tokenizer emits. */
function checkEmbeddingTable(graph: GraphInfo, tokenizer: AnyTokenizer, file: string): void {
  const table = graph.initializers.find((t) => /(^|\.)embeddings\.word_embeddings\.weight$/.test(t.name));
  if (!table || table.dims.length !== 2) return;
  const rows = table.dims[0] as number;
  const limit = idLimit(tokenizer);
  if (limit > rows) {
    throw new EncoderError(
      'E_VOCAB_TOO_LARGE',
      `${file}: the tokenizer emits ids up to ${limit - 1} but the graph's word embedding table ${table.name} has ${rows} rows`,
      { file },
    );
  }
}

/** One past the largest id the tokenizer can emit; 0 (no check) when it does not say. */
function idLimit(tokenizer: AnyTokenizer): number {
  return 'idLimit' in tokenizer && typeof tokenizer.idLimit === 'number' ? tokenizer.idLimit : 0;
}
