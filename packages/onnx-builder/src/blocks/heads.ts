import type { Task } from '../spec.js';
import type { ActivationKind } from './activations.js';
import { activation } from './activations.js';
import type { GraphContext } from './graph-context.js';

/** A graph output a head adds: its name (as optimum exports it), tensor and symbolic shape. */
export interface HeadOutput {
  name: string;
  tensor: string;
  dims: Array<string | number>;
}

/**
 * A task head converted with the encoder. Keys starting with `~` live inside the base model (take its
 * prefix, e.g. `bert.pooler.dense`); the others are top-level (`classifier`, `qa_outputs`).
 */
export interface HeadSpec {
  task: Exclude<Task, 'base'>;
  /** The Linear whose output width is the number of labels. */
  labels: string;
  tensors(hidden: number, labels: number): Record<string, number[]>;
  build(ctx: GraphContext, last: string, labels: number): HeadOutput[];
}

export function headKey(ctx: GraphContext, key: string): string {
  return key.startsWith('~') ? ctx.base(key.slice(1)) : key;
}

const linearShapes = (out: Record<string, number[]>, key: string, o: number, i: number) => {
  out[`${key}.weight`] = [o, i];
  out[`${key}.bias`] = [o];
  return out;
};

/** The first token's vector [B, H] (the [CLS] / <s> position). */
function firstToken(ctx: GraphContext, last: string, scope: string): string {
  return ctx.g.node('Gather', [last, ctx.g.int64Tensor([], [0])], `${scope}Gather_first`, [{ name: 'axis', i: 1 }]);
}

/**
 * Sequence classification from the first token: `dense` -> activation -> `out` (BERT's pooler + tanh +
 * classifier, DistilBERT's pre_classifier + ReLU + classifier, RoBERTa's classifier.dense + tanh +
 * classifier.out_proj, ELECTRA's with GELU). Output `logits` [batch, labels].
 */
export function sequenceClassification(spec: { dense: string; activation: ActivationKind; out: string }): HeadSpec {
  return {
    task: 'sequence-classification',
    labels: spec.out,
    tensors: (H, labels) => linearShapes(linearShapes({}, spec.dense, H, H), spec.out, labels, H),
    build(ctx, last, labels) {
      const H = ctx.shape.hidden;
      const pooled = ctx.linear(firstToken(ctx, last, '/head/'), headKey(ctx, spec.dense), H, H, '/head/dense/');
      const logits = ctx.linear(activation(ctx, pooled, spec.activation, '/head/'), headKey(ctx, spec.out), labels, H, '/head/out/');
      return [{ name: 'logits', tensor: logits, dims: ['batch_size', labels] }];
    },
  };
}

/** Token classification: `out` on every token. Output `logits` [batch, sequence, labels]. */
export function tokenClassification(out = 'classifier'): HeadSpec {
  return {
    task: 'token-classification',
    labels: out,
    tensors: (H, labels) => linearShapes({}, out, labels, H),
    build: (ctx, last, labels) => [{ name: 'logits', tensor: ctx.linear(last, headKey(ctx, out), labels, ctx.shape.hidden, '/head/out/'), dims: ['batch_size', 'sequence_length', labels] }],
  };
}

/** Extractive QA: `out` (2 columns) on every token, split into `start_logits` and `end_logits` [batch, sequence]. */
export function questionAnswering(out = 'qa_outputs'): HeadSpec {
  return {
    task: 'question-answering',
    labels: out,
    tensors: (H) => linearShapes({}, out, 2, H),
    build(ctx, last) {
      const g = ctx.g;
      const both = ctx.linear(last, headKey(ctx, out), 2, ctx.shape.hidden, '/head/out/');
      const column = (i: number, name: string) => g.node('Gather', [both, g.int64Tensor([], [i])], `/head/Gather_${name}`, [{ name: 'axis', i: 2 }]);
      return [
        { name: 'start_logits', tensor: column(0, 'start'), dims: ['batch_size', 'sequence_length'] },
        { name: 'end_logits', tensor: column(1, 'end'), dims: ['batch_size', 'sequence_length'] },
      ];
    },
  };
}

/**
 * ELECTRA's discriminator: `dense` -> activation -> `dense_prediction` (one column) on every token, output
 * `logits` [batch, sequence]: the score that each token was replaced.
 */
export function replacedTokenDetection(prefix = 'discriminator_predictions'): HeadSpec {
  return {
    task: 'replaced-token-detection',
    labels: `${prefix}.dense_prediction`,
    tensors: (H) => linearShapes(linearShapes({}, `${prefix}.dense`, H, H), `${prefix}.dense_prediction`, 1, H),
    build(ctx, last) {
      const H = ctx.shape.hidden;
      const hidden = activation(ctx, ctx.linear(last, `${prefix}.dense`, H, H, '/head/dense/'), ctx.shape.activation, '/head/');
      const score = ctx.linear(hidden, `${prefix}.dense_prediction`, 1, H, '/head/out/');
      const logits = ctx.g.node('Squeeze', [score, ctx.g.int64Tensor([1], [-1])], '/head/Squeeze');
      return [{ name: 'logits', tensor: logits, dims: ['batch_size', 'sequence_length'] }];
    },
  };
}

/** BertPooler: tanh(dense(first token)), output `pooler_output` [batch, hidden] as transformers' BaseModelOutputWithPooling. */
export function pooler(ctx: GraphContext, last: string, key: string): HeadOutput {
  const H = ctx.shape.hidden;
  const dense = ctx.linear(firstToken(ctx, last, '/pooler/'), key, H, H, '/pooler/dense/');
  return { name: 'pooler_output', tensor: activation(ctx, dense, 'tanh', '/pooler/'), dims: ['batch_size', H] };
}
