import ort from 'onnxruntime-node';
import type { TrainBatch } from './batch.js';
import { FinetuneError } from './errors.js';
import { ATTENTION_DROPOUT, EMBEDDING_GRAD, HIDDEN_DROPOUT } from './model/encoder-graph.js';
import type { TrainingGraph } from './model/task-graph.js';
import { CLASSIFIER_DROPOUT, gradName } from './model/task-graph.js';
import { scatterAddRows } from './rules/embedding.js';
import { maxSequenceLength, positionIdsOf } from './model/position-ids.js';
import { embeddingWidth } from './model/model-spec.js';

export interface SessionOptions {
  /** onnxruntime intra-op threads; default onnxruntime's choice. */
  threads?: number;
  /** Dropout at the config's rates (training mode, the default) or none (eval mode, as the references). */
  dropout?: boolean;
  /**
   * Gradient buffers to write into, by parameter name, instead of fresh ones (training graphs): e.g. views of
   * a TrainingMemory, where the optimizer's kernels run, kept across the sessions of one run. Each must have
   * its parameter's size; parameters without one get a fresh buffer.
   */
  gradients?: ReadonlyMap<string, Float32Array>;
}

export interface StepResult {
  loss: number;
  /** Layout as the graph's logits output (see buildTrainingGraph); QA: [B, T, 2], start and end interleaved. */
  logits: Float32Array;
}

export interface EvalResult extends StepResult {
  /** QA only: the start and end logits [B, T], split out of `logits`. */
  startLogits?: Float32Array;
  endLogits?: Float32Array;
}

/**
 * Runs a training graph: parameters and gradients live in JS-owned Float32Arrays, wrapped once as
 * tensors (the optimizer updates them in place), and each run writes every gradient buffer. A
 * forward-only graph (`gradients: false`) has no gradient buffers and only serves `evaluate`.
 */
export class TrainingSession {
  private readonly paramFeeds: Record<string, ort.Tensor> = {};
  private readonly gradFetches: Record<string, ort.Tensor> = {};
  readonly gradients = new Map<string, Float32Array>();
  private readonly evalRates: Record<string, ort.Tensor>;
  /** Whether onnxruntime wrote the gradient outputs into our buffers (known after the first run). */
  private outputsInPlace: boolean | undefined;

  private constructor(
    readonly graph: TrainingGraph,
    private readonly session: ort.InferenceSession,
    readonly parameters: ReadonlyMap<string, Float32Array>,
    dropoutOn: boolean,
    gradients: ReadonlyMap<string, Float32Array> | undefined,
  ) {
    const spec = graph.spec;
    const rate = (r: number) => new ort.Tensor('float32', Float32Array.of(dropoutOn ? r : 0), []);
    this.paramFeeds[HIDDEN_DROPOUT] = rate(spec.hiddenDropout);
    this.paramFeeds[ATTENTION_DROPOUT] = rate(spec.attentionDropout);
    this.paramFeeds[CLASSIFIER_DROPOUT] = rate(graph.headDropout);
    const zero = new ort.Tensor('float32', Float32Array.of(0), []);
    this.evalRates = { [HIDDEN_DROPOUT]: zero, [ATTENTION_DROPOUT]: zero, [CLASSIFIER_DROPOUT]: zero };
    for (const p of graph.parameters) {
      const data = parameters.get(p.name)!;
      this.paramFeeds[p.name] = new ort.Tensor('float32', data, p.shape);
      if (!graph.gradients) continue;
      const grad = gradients?.get(p.name) ?? new Float32Array(data.length);
      this.gradients.set(p.name, grad);
      if (graph.graphGradients.includes(p.name)) this.gradFetches[gradName(p.name)] = new ort.Tensor('float32', grad, p.shape);
    }
  }

  /** `parameters` must hold every parameter of the graph with the right size; they are used in place, not copied. */
  static async create(graph: TrainingGraph, parameters: ReadonlyMap<string, Float32Array>, options: SessionOptions = {}): Promise<TrainingSession> {
    const wrong = graph.parameters
      .filter((p) => parameters.get(p.name)?.length !== p.shape.reduce((a, c) => a * c, 1))
      .map((p) => `${p.name} [${p.shape.join(', ')}]${parameters.has(p.name) ? ` has ${parameters.get(p.name)!.length} values` : ' missing'}`);
    if (wrong.length > 0) throw new FinetuneError('E_MISSING_TENSORS', `parameters do not fit the ${graph.spec.modelType} ${graph.task} graph: ${wrong.slice(0, 5).join('; ')}${wrong.length > 5 ? ` and ${wrong.length - 5} more` : ''}`);
    if (options.gradients) checkGradientBuffers(graph, parameters, options.gradients);
    const session = await ort.InferenceSession.create(graph.model, {
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      graphOptimizationLevel: 'all',
    });
    for (const r of [graph.spec.hiddenDropout, graph.spec.attentionDropout, graph.headDropout]) {
      if (!(r >= 0 && r < 1)) throw new FinetuneError('E_INVALID_OPTION', `dropout rates must be in [0, 1), got ${r}`);
    }
    return new TrainingSession(graph, session, parameters, options.dropout ?? true, options.gradients);
  }

  /** Forward + backward on one batch (training graphs): returns loss and logits, fills `gradients`. */
  async computeGradients(batch: TrainBatch): Promise<StepResult> {
    if (!this.graph.gradients) throw new FinetuneError('E_INVALID_OPTION', 'computeGradients needs a training graph; this one is forward-only (gradients: false)');
    const { feeds, typeIds } = this.feeds(batch);
    const result = await this.run(batch, feeds, { ...this.gradFetches, loss: null, logits: null, [EMBEDDING_GRAD]: null });
    // onnxruntime-node 1.30 writes preallocated outputs in place and also returns a copy of each. The first
    // run checks that our buffers hold the results; from then on the copy back (43M floats, ~16 ms a step on
    // DistilBERT-base) is skipped. A build that does not write in place keeps copying.
    let inPlace = this.outputsInPlace !== false;
    for (const name of this.graph.graphGradients) {
      const out = result[gradName(name)]!.data as Float32Array;
      const mine = this.gradients.get(name)!;
      if (out === mine || out.buffer === mine.buffer || this.outputsInPlace === true) continue;
      if (inPlace && !sameValues(out, mine)) inPlace = false;
      if (!inPlace) mine.set(out);
    }
    this.outputsInPlace ??= inPlace;
    this.completeTableGradients(result[EMBEDDING_GRAD]!.data as Float32Array, batch, typeIds);
    return { loss: (result.loss!.data as Float32Array)[0]!, logits: result.logits!.data as Float32Array };
  }

  /**
   * Loss and logits with dropout off, gradients untouched; on a training or a forward-only graph. Prefer a
   * forward-only graph for evaluation: onnxruntime runs every node of a graph whatever is fetched, so on a
   * training graph this costs the backward too (measured 528 ms against 218 ms, 4 layers x 256, [16, 64]).
   * A batch without targets (prediction; not for masked LM) gives the logits and loss NaN.
   */
  async evaluate(batch: TrainBatch): Promise<EvalResult> {
    const { feeds, targets } = this.feeds(batch, this.graph.task !== 'masked-lm');
    const result = await this.run(batch, { ...feeds, ...this.evalRates }, { loss: null, logits: null });
    const logits = result.logits!.data as Float32Array;
    const out: EvalResult = { loss: targets ? (result.loss!.data as Float32Array)[0]! : Number.NaN, logits };
    if (this.graph.task === 'question-answering') {
      const n = logits.length / 2;
      out.startLogits = new Float32Array(n);
      out.endLogits = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        out.startLogits[i] = logits[2 * i]!;
        out.endLogits[i] = logits[2 * i + 1]!;
      }
    }
    return out;
  }

  /** With `optionalTargets`, absent targets (undefined or empty) are replaced by ignored ones and `targets` is false. */
  private feeds(batch: TrainBatch, optionalTargets = false): { feeds: Record<string, ort.Tensor>; typeIds: BigInt64Array; targets: boolean } {
    const { batchSize: bs, seqLength: t } = batch;
    const dims = [bs, t];
    const longest = maxSequenceLength(this.graph.spec);
    if (t > longest) throw new FinetuneError('E_SHAPE', `batch of ${t} tokens per row: the model has ${longest} positions`);
    if (batch.inputIds.length !== bs * t || batch.attentionMask.length !== bs * t) throw new FinetuneError('E_SHAPE', `input_ids / attention_mask must hold ${bs} x ${t} values, got ${batch.inputIds.length} / ${batch.attentionMask.length}`);
    const feeds: Record<string, ort.Tensor> = {
      ...this.paramFeeds,
      input_ids: new ort.Tensor('int64', batch.inputIds, dims),
      attention_mask: new ort.Tensor('int64', batch.attentionMask, dims),
    };
    const typeIds = batch.tokenTypeIds ?? new BigInt64Array(bs * t);
    // Out-of-range ids would otherwise surface as onnxruntime's Gather bounds message (B·T checks: cheap).
    checkIds('input_ids', batch.inputIds, this.graph.spec.vocabSize);
    if (this.graph.tables.tokenType) {
      checkIds('token_type_ids', typeIds, this.graph.spec.typeVocabSize);
      feeds.token_type_ids = new ort.Tensor('int64', typeIds, dims);
    }
    const { task, problemType, numLabels } = this.graph;
    let targets = true;
    const sized = <T extends { length: number }>(name: string, data: T | undefined, n: number, what: string, ignored: (n: number) => T): T => {
      if (optionalTargets && (data === undefined || data.length === 0)) {
        targets = false;
        return ignored(n);
      }
      if (data?.length !== n) throw new FinetuneError('E_SHAPE', `${name}: expected ${n} (${what}), got ${data === undefined ? 'none' : data.length}`);
      return data;
    };
    const noLabels = (n: number) => new BigInt64Array(n).fill(-100n);
    const noPositions = (n: number) => new BigInt64Array(n).fill(BigInt(t)); // position T: ignored
    if (task === 'masked-lm') {
      const positions: bigint[] = [];
      const labels: bigint[] = [];
      sized('labels', batch.labels, bs * t, 'one per token', noLabels).forEach((label, i) => {
        if (label !== -100n) {
          positions.push(BigInt(i));
          labels.push(label);
        }
      });
      feeds.masked_positions = new ort.Tensor('int64', BigInt64Array.from(positions), [positions.length]);
      feeds.labels = new ort.Tensor('int64', BigInt64Array.from(labels), [labels.length]);
    } else if (task === 'token-classification') {
      feeds.labels = new ort.Tensor('int64', sized('labels', batch.labels, bs * t, 'one per token', noLabels), [bs * t]);
    } else if (task === 'question-answering') {
      feeds.start_positions = new ort.Tensor('int64', sized('startPositions', batch.startPositions, bs, 'one per row', noPositions), [bs]);
      feeds.end_positions = new ort.Tensor('int64', sized('endPositions', batch.endPositions, bs, 'one per row', noPositions), [bs]);
    } else if (problemType === 'single_label_classification') {
      feeds.labels = new ort.Tensor('int64', sized('labels', batch.labels, bs, 'one per row', noLabels), [bs]);
    } else {
      feeds.float_labels = new ort.Tensor('float32', sized('floatLabels', batch.floatLabels, bs * numLabels, `${numLabels} per row`, (n) => new Float32Array(n)), [bs, numLabels]);
    }
    return { feeds, typeIds, targets };
  }

  private async run(batch: TrainBatch, feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor | null>): Promise<ort.InferenceSession.OnnxValueMapType> {
    try {
      return await this.session.run(feeds, fetches as unknown as ort.InferenceSession.FetchesType);
    } catch (cause) {
      throw new FinetuneError('E_RUNTIME', `${this.graph.task} step on a [${batch.batchSize}, ${batch.seqLength}] batch failed: ${(cause as Error).message}`, { cause });
    }
  }

  /** Embedding backward: the graph's d(embedding sum) scattered into the word, position and type tables. */
  private completeTableGradients(dEmb: Float32Array, batch: TrainBatch, typeIds: BigInt64Array): void {
    const { word, position, tokenType } = this.graph.tables;
    const h = embeddingWidth(this.graph.spec);
    const wordGrad = this.gradients.get(word)!;
    if (!this.graph.graphGradients.includes(word)) wordGrad.fill(0);
    scatterAddRows(wordGrad, dEmb, batch.inputIds, h);
    const posGrad = this.gradients.get(position)!;
    posGrad.fill(0);
    const t = batch.seqLength;
    const positionIds = positionIdsOf(this.graph.spec, batch.inputIds, batch.batchSize, t);
    if (positionIds) {
      scatterAddRows(posGrad, dEmb, positionIds, h);
    } else {
      // Position t is used by every row: sum over the batch, row by row.
      for (let r = 0; r < batch.batchSize; r++) {
        const src = dEmb.subarray(r * t * h, (r + 1) * t * h);
        for (let i = 0; i < t * h; i++) posGrad[i]! += src[i]!;
      }
    }
    if (tokenType) {
      const typeGrad = this.gradients.get(tokenType)!;
      typeGrad.fill(0);
      scatterAddRows(typeGrad, dEmb, typeIds, h);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function checkGradientBuffers(graph: TrainingGraph, parameters: ReadonlyMap<string, Float32Array>, gradients: ReadonlyMap<string, Float32Array>): void {
  if (!graph.gradients) throw new FinetuneError('E_INVALID_OPTION', 'gradients: this graph is forward-only (gradients: false) and computes none');
  const names = new Set(graph.parameters.map((p) => p.name));
  for (const [name, g] of gradients) {
    if (!names.has(name)) throw new FinetuneError('E_INVALID_OPTION', `gradients: ${name} is not a parameter of the ${graph.spec.modelType} ${graph.task} graph`);
    const n = parameters.get(name)!.length;
    if (g.length !== n) throw new FinetuneError('E_SHAPE', `gradients: the buffer for ${name} holds ${g.length} values, the parameter ${n}`);
  }
}

/** Bitwise equality (NaN payloads included), as a copy would leave them. */
function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function checkIds(name: string, ids: BigInt64Array, size: number): void {
  const limit = BigInt(size);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0n || id >= limit) throw new FinetuneError('E_SHAPE', `${name}: ${id} at flat index ${i} is outside the model's ${size} rows`);
  }
}
