import { readFileSync } from 'node:fs';
import type { AggregationStrategy, TokenClassifier, TokenEntity } from '@bertkit/heads';
import { type AnyTokenizer, type Encoding, loadTokenizer } from '@bertkit/wordpiece';
import { EncoderError, EncoderTypeError } from './errors.js';
import { type ModelConfig, readModelConfig, usablePositions } from './model-config.js';
import { type ModelFiles, resolveModelFiles } from './model-files.js';
import { decodeEntities, logitsTokenClassifier } from './ner-decode.js';
import { readGraphInfo } from './onnx/graph-info.js';
import { planBatches } from './planner.js';
import { type QaAnswer, type QaDecodeOptions, decodeAnswers } from './qa-decode.js';
import { type EncoderInput, type Rows, checkInputs, hasOffsets, padRows, tokenizeRows } from './rows.js';
import { OnnxRunner, type RunnerOptions } from './runner.js';
import { type ProblemType, type TaskKind, applyScores, readTaskConfig, scoreFunction } from './task-config.js';

export interface TaskLoadOptions extends RunnerOptions {
  /** Load onnx/model_quantized.onnx. Default false. */
  quantized?: boolean;
  /** Longest input in tokens. Default: model_max_length, capped by the position table. */
  maxLength?: number;
  /** Padded tokens per batch. Default 8192. */
  batchTokens?: number;
}

export interface ClassPrediction {
  /** The best label. */
  label: string;
  score: number;
  /** Every label's score: softmax probabilities, sigmoid per label (multi-label) or raw values (regression). */
  probs: Record<string, number>;
}

export interface QuestionInput {
  question: string;
  context: string;
}

/**
 * A fine-tuned transformers checkpoint exported to ONNX with its head: sequence classification
 * (output `logits`, batch x labels), token classification (`logits`, batch x length x labels) or
 * extractive QA (`start_logits`, `end_logits`). Labels come from config.json id2label (LABEL_k when
 * absent, as transformers names them).
 */
export class TaskModel {
  private constructor(
    readonly files: ModelFiles,
    readonly config: ModelConfig,
    readonly tokenizer: AnyTokenizer,
    private readonly runner: OnnxRunner,
    readonly task: TaskKind,
    readonly labels: string[],
    readonly problemType: ProblemType | null,
    readonly maxLength: number,
    private readonly padId: number,
    private readonly batchTokens: number,
  ) {}

  private tokenClassifier: TokenClassifier | null = null;

  static async load(path: string, options: TaskLoadOptions = {}): Promise<TaskModel> {
    const files = resolveModelFiles(path, options);
    const config = readModelConfig(files.config);
    const tokenizer = loadTokenizer(files.dir);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(files.onnx);
    } catch (cause) {
      throw new EncoderError('E_MODEL_NOT_FOUND', `${files.onnx}: cannot read (${(cause as Error).message})`, { file: files.onnx, cause });
    }
    const external = (() => {
      try {
        return readGraphInfo(bytes).externalData;
      } catch {
        return false;
      }
    })();
    const runner = await OnnxRunner.create(external ? files.onnx : bytes, files.onnx, options, [['logits'], ['start_logits', 'end_logits']]);
    const qa = runner.outputNames.includes('start_logits') && runner.outputNames.includes('end_logits');
    const taskConfig = readTaskConfig(files.config);
    let task: TaskKind = qa ? 'question-answering' : (taskConfig.architectureTask ?? 'text-classification');
    if (!qa && task === 'question-answering') task = 'text-classification';
    const positions = usablePositions(config);
    const maxLength = options.maxLength ?? Math.min(tokenizer.modelMaxLength ?? positions, positions);
    if (!Number.isInteger(maxLength) || maxLength < 3 || maxLength > positions) {
      throw new EncoderError('E_INVALID_OPTION', `maxLength must be an integer in [3, ${positions}] (the position table), got ${maxLength}`);
    }
    const batchTokens = options.batchTokens ?? 8192;
    if (!Number.isInteger(batchTokens) || batchTokens < 1) throw new EncoderError('E_INVALID_OPTION', `batchTokens must be a positive integer, got ${batchTokens}`);
    const padId = config.padTokenId ?? tokenizer.tokenToId('[PAD]') ?? tokenizer.tokenToId('<pad>') ?? 0;
    return new TaskModel(files, config, tokenizer, runner, task, taskConfig.labels, taskConfig.problemType, maxLength, padId, batchTokens);
  }

  /** Labels with scores for texts or pairs (text-classification models). */
  async classify(inputs: readonly EncoderInput[]): Promise<ClassPrediction[]> {
    this.expectTask('text-classification', 'classify');
    checkInputs(inputs);
    const rows = tokenizeRows(this.tokenizer, inputs, { maxLength: this.maxLength, long: 'truncate', stride: 0 });
    const out = new Array<ClassPrediction>(inputs.length);
    await this.runRows(rows, ['logits'], ([logits], batch, members) => {
      const dims = logits!.dims;
      const K = dims[dims.length - 1] as number;
      if (dims.length !== 2) throw new EncoderError('E_NOT_A_TASK_MODEL', `${this.files.onnx}: logits are ${dims.length}-dimensional (${dims.join(' x ')}); a text-classification head gives batch x labels`);
      const labels = this.labelsFor(K);
      const scores = applyScores(logits!.data, K, scoreFunction(this.problemType, K));
      members.forEach((row, r) => {
        let best = 0;
        const probs: Record<string, number> = {};
        for (let k = 0; k < K; k++) {
          probs[labels[k] as string] = scores[r * K + k] as number;
          if ((scores[r * K + k] as number) > (scores[r * K + best] as number)) best = k;
        }
        out[rows.source[row] as number] = { label: labels[best] as string, score: scores[r * K + best] as number, probs };
      });
      void batch;
    });
    return out;
  }

  /** Named entities with UTF-16 offsets (token-classification models), grouped as the pipeline's aggregation_strategy. */
  async ner(texts: readonly string[], options: { aggregation?: AggregationStrategy } = {}): Promise<TokenEntity[][]> {
    this.expectTask('token-classification', 'ner');
    checkInputs(texts, 'texts');
    this.requireOffsets('ner');
    const rows = tokenizeRows(this.tokenizer, texts, { maxLength: this.maxLength, long: 'truncate', stride: 0 });
    const out = new Array<TokenEntity[]>(texts.length);
    await this.runRows(rows, ['logits'], ([logits], batch, members) => {
      const dims = logits!.dims;
      if (dims.length !== 3) throw new EncoderError('E_NOT_A_TASK_MODEL', `${this.files.onnx}: logits are ${dims.join(' x ')}; a token-classification head gives batch x length x labels`);
      const K = dims[2] as number;
      this.tokenClassifier ??= logitsTokenClassifier(this.labelsFor(K));
      members.forEach((row, r) => {
        const e = rows.encodings[row] as Encoding;
        const n = e.ids.length;
        const logitRows = logits!.data.subarray(r * batch.length * K, (r * batch.length + n) * K);
        out[row] = decodeEntities(this.tokenClassifier as TokenClassifier, { logits: logitRows, wordIds: e.wordIds, offsets: e.offsets }, texts[row] as string, options.aggregation ?? 'simple');
      });
    });
    return out;
  }

  /** The best answer span in each context (question-answering models); long contexts run as stride-overlapping windows. */
  async answer(questions: readonly QuestionInput[], options: QaDecodeOptions & { stride?: number } = {}): Promise<QaAnswer[][]> {
    this.expectTask('question-answering', 'answer');
    if (!Array.isArray(questions)) throw new EncoderTypeError('questions', 'an array of {question, context}', questions);
    questions.forEach((q, i) => {
      if (typeof q?.question !== 'string' || typeof q?.context !== 'string') throw new EncoderTypeError(`questions[${i}]`, 'an object with string question and context', q);
    });
    this.requireOffsets('answer');
    // The pipeline's defaults: windows of 384 tokens with a doc_stride of 128.
    const maxLength = Math.min(this.maxLength, 384);
    const stride = options.stride ?? Math.min(128, Math.floor(maxLength / 2));
    const rows = tokenizeRows(this.tokenizer, questions.map((q) => [q.question, q.context] as const), { maxLength, long: 'window', stride, truncation: 'only_second' });
    const windows = questions.map((): Array<Parameters<typeof decodeAnswers>[0][number]> => []);
    await this.runRows(rows, ['start_logits', 'end_logits'], ([start, end], batch, members) => {
      members.forEach((row, r) => {
        const e = rows.encodings[row] as Encoding;
        const n = e.ids.length;
        const cls = e.specialTokensMask.indexOf(1);
        windows[rows.source[row] as number]?.push({
          start: start!.data.subarray(r * batch.length, r * batch.length + n),
          end: end!.data.subarray(r * batch.length, r * batch.length + n),
          context: e.sequenceIds.map((s) => s === 1),
          offsets: e.offsets,
          cls: cls === 0 ? 0 : -1,
          wordIds: e.wordIds,
        });
      });
    });
    return questions.map((q, i) => decodeAnswers(windows[i] ?? [], q.context, options));
  }

  async release(): Promise<void> {
    await this.runner.release();
  }

  private labelsFor(K: number): string[] {
    if (this.labels.length === K) return this.labels;
    if (this.labels.every((l, k) => l === `LABEL_${k}`)) return Array.from({ length: K }, (_, k) => `LABEL_${k}`);
    throw new EncoderError('E_BAD_CONFIG', `${this.files.config}: id2label names ${this.labels.length} labels but the graph gives ${K} logits per ${this.task === 'token-classification' ? 'token' : 'input'}`, { file: this.files.config });
  }

  private expectTask(task: TaskKind, method: string): void {
    if (this.task !== task) throw new EncoderError('E_INVALID_OPTION', `${method}() needs a ${task} model; ${this.files.dir} is a ${this.task} model`);
  }

  private requireOffsets(what: string): void {
    if (!hasOffsets(this.tokenizer)) {
      throw new EncoderError('E_TOKENIZER_LIMITS', `${what}: token offsets are unavailable for this tokenizer (${this.files.dir}, loaded through the @huggingface/tokenizers fallback)`);
    }
  }

  private async runRows(
    rows: Rows,
    names: readonly string[],
    take: (outputs: Array<{ data: Float32Array; dims: readonly number[] }>, batch: { rows: number; length: number }, members: readonly number[]) => void,
  ): Promise<void> {
    for (const planned of planBatches(rows.lengths, Math.max(this.batchTokens, this.maxLength))) {
      const batch = padRows(rows, planned.rows, planned.length, this.padId);
      take(await this.runner.runWithDims(batch, names), batch, planned.rows);
    }
  }
}
