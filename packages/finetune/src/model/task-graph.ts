import { GraphBuilder, TRAIN_OPSET } from '../graph-builder.js';
import type { ProblemType } from '../run/types.js';
import { FinetuneError } from '../errors.js';
import { EMBEDDING_GRAD, encoderGraph } from './encoder-graph.js';
import type { EncoderSpec, TrainTask } from './model-spec.js';
import { embeddingWidth, encoderNames, headDropout, padOffsetPositions, parameterShapes } from './model-spec.js';
import { headGraph } from './heads.js';

/** Scalar float graph input: the dropout rate before the head's output layer. */
export const CLASSIFIER_DROPOUT = 'classifier_dropout';

export const gradName = (param: string): string => `grad.${param}`;

export interface TrainingGraph {
  spec: EncoderSpec;
  task: TrainTask;
  numLabels: number;
  /** Sequence classification's loss; single-label cross-entropy for the other tasks. */
  problemType: ProblemType;
  /** False for a forward-only (evaluation) graph: outputs loss and logits only. */
  gradients: boolean;
  /** The rate the session feeds as CLASSIFIER_DROPOUT in training mode (headDropout of spec and task). */
  headDropout: number;
  /** The input id to pad rows with (padBatch's padId): RoBERTa's and MPNet's pad_token_id, whose positions depend on it; else 0. */
  padId: number;
  /** Every parameter (graph input of the same name) with its shape. */
  parameters: Array<{ name: string; shape: number[] }>;
  /** Embedding tables whose gradient the session completes by scatter-add of EMBEDDING_GRAD. */
  tables: { word: string; position: string; tokenType: string | null };
  /** Parameters with a `grad.<name>` graph output (every one except the tables, plus the tied word table for MLM); empty without gradients. */
  graphGradients: string[];
  /** The ONNX ModelProto. */
  model: Uint8Array;
}

export interface TrainingGraphOptions {
  /** Classes (sequence / token classification) or regression targets. Default 2 (1 for regression). Ignored for QA and masked LM. */
  numLabels?: number;
  /** Sequence classification only. Default single_label_classification (regression when numLabels is 1, as transformers infers). */
  problemType?: ProblemType;
  /** Default true. False: a forward-only graph with the same inputs, outputs loss + logits (evaluation). */
  gradients?: boolean;
  /**
   * Seeds the dropout nodes' generators (default: fixed seeds). onnxruntime advances a generator on every
   * run of a session, so a fresh session from a graph with a given seed replays the same masks.
   */
  dropoutSeed?: number;
}

/**
 * Forward (+ backward) for one task as one ONNX graph. Inputs: input_ids, attention_mask, token_type_ids
 * (BERT), the dropout rates (scalars hidden_dropout, attention_dropout, classifier_dropout), every
 * parameter, and the targets:
 * - sequence classification: labels [B] int64 (single label) or float_labels [B, labels] float
 *   (multi-label BCE targets; regression targets, [B, 1] for one label);
 * - token classification: labels [B·T] int64, -100 ignored;
 * - question answering: start_positions, end_positions [B] int64 (clamped to [0, T], T ignored);
 * - masked LM: labels [M] with masked_positions [M] (flat b·T + t).
 * Outputs: loss; logits — [B, labels], [B·T, labels] (row-major [B, T, labels]), QA [B, T, 2] (start,
 * end in the last axis, as qa_outputs gives them), masked LM [M, vocab]; with gradients also
 * EMBEDDING_GRAD and grad.<param>.
 */
export function buildTrainingGraph(spec: EncoderSpec, task: TrainTask, options: TrainingGraphOptions = {}): TrainingGraph {
  const problemType: ProblemType =
    task === 'sequence-classification' ? (options.problemType ?? (options.numLabels === 1 ? 'regression' : 'single_label_classification')) : 'single_label_classification';
  const numLabels = task === 'question-answering' ? 2 : (options.numLabels ?? (problemType === 'regression' ? 1 : 2));
  if (!Number.isInteger(numLabels) || numLabels < 1) throw new FinetuneError('E_INVALID_OPTION', `numLabels must be a positive integer, got ${numLabels}`);
  if (task === 'sequence-classification' && problemType === 'single_label_classification' && numLabels < 2) {
    throw new FinetuneError('E_INVALID_OPTION', 'single-label classification needs at least 2 labels (1 label is regression)');
  }
  const withGradients = options.gradients ?? true;
  const b = new GraphBuilder(options.dropoutSeed === undefined ? {} : { dropoutSeed: options.dropoutSeed });
  const parameters = parameterShapes(spec, task, numLabels);
  const names = encoderNames(spec);
  b.graph.input('input_ids', 'int64', ['batch', 'sequence']);
  b.graph.input('attention_mask', 'int64', ['batch', 'sequence']);
  if (names.tokenType) b.graph.input('token_type_ids', 'int64', ['batch', 'sequence']);
  const heads = headGraph(b, spec, task, numLabels, problemType, CLASSIFIER_DROPOUT);
  for (const p of parameters) b.graph.input(p.name, 'float', p.shape);

  const encoder = encoderGraph(b, spec, { firstTokenOnly: task === 'sequence-classification' });
  const head = heads.forward(encoder);
  b.named('logits', 'Identity', [head.logits]);
  b.named('loss', 'Identity', [head.loss]);
  b.graph.output('loss', []);
  b.graph.output('logits', head.logitsShape);

  const graphGradients: string[] = [];
  if (withGradients) {
    encoder.back(head.back());
    b.graph.output(EMBEDDING_GRAD, ['rows', embeddingWidth(spec)]);
    for (const p of parameters) {
      const g = b.gradients().get(p.name);
      if (g === undefined) continue;
      b.named(gradName(p.name), 'Identity', [g]);
      b.graph.output(gradName(p.name), p.shape);
      graphGradients.push(p.name);
    }
  }
  return {
    spec,
    task,
    numLabels,
    problemType,
    gradients: withGradients,
    headDropout: headDropout(spec, task),
    padId: padOffsetPositions(spec) ? (spec.padTokenId ?? 1) : 0,
    parameters,
    tables: { word: names.word, position: names.position, tokenType: names.tokenType },
    graphGradients,
    model: b.graph.encode(TRAIN_OPSET, 'bertkit-finetune'),
  };
}
