import { GraphBuilder, TRAIN_OPSET } from '../graph-builder.js';
import { relu, tanh } from '../rules/activations.js';
import { gelu } from '../rules/activations.js';
import { crossEntropy } from '../rules/cross-entropy.js';
import { dropout } from '../rules/dropout.js';
import { layerNorm } from '../rules/layer-norm.js';
import { linear } from '../rules/linear.js';
import type { Rule } from '../rules/rule.js';
import { ATTENTION_DROPOUT, EMBEDDING_GRAD, HIDDEN_DROPOUT, encoderGraph } from './encoder-graph.js';

/** Scalar float graph input: the dropout rate before the classifier. */
export const CLASSIFIER_DROPOUT = 'classifier_dropout';
import type { EncoderSpec, TrainTask } from './model-spec.js';
import { encoderNames, headNames, parameterShapes } from './model-spec.js';

export const gradName = (param: string): string => `grad.${param}`;

export interface TrainingGraph {
  spec: EncoderSpec;
  task: TrainTask;
  numLabels: number;
  /** Every parameter (graph input of the same name) with its shape. */
  parameters: Array<{ name: string; shape: number[] }>;
  /** Embedding tables whose gradient the session completes by scatter-add of EMBEDDING_GRAD. */
  tables: { word: string; position: string; tokenType: string | null };
  /** Parameters with a `grad.<name>` graph output (every one except the tables, plus the tied word table for MLM). */
  graphGradients: string[];
  /** The ONNX ModelProto. */
  model: Uint8Array;
}

export interface TrainingGraphOptions {
  /** Classes of the sequence classifier (single-label cross-entropy). Default 2. */
  numLabels?: number;
}

/**
 * Forward + backward for one task as one ONNX graph. Inputs: input_ids, attention_mask, token_type_ids
 * (BERT), labels (classification: [B]; masked LM: [M] with masked_positions [M], flat b·T + t), the
 * dropout rates (scalars hidden_dropout, attention_dropout, classifier_dropout) and every parameter. Outputs: loss, logits ([B, labels] or [M, vocab]), EMBEDDING_GRAD and grad.<param>.
 */
export function buildTrainingGraph(spec: EncoderSpec, task: TrainTask, options: TrainingGraphOptions = {}): TrainingGraph {
  const numLabels = options.numLabels ?? 2;
  const b = new GraphBuilder();
  const parameters = parameterShapes(spec, task, numLabels);
  const names = encoderNames(spec);
  b.graph.input('input_ids', 'int64', ['batch', 'sequence']);
  b.graph.input('attention_mask', 'int64', ['batch', 'sequence']);
  if (names.tokenType) b.graph.input('token_type_ids', 'int64', ['batch', 'sequence']);
  if (task === 'masked-lm') b.graph.input('masked_positions', 'int64', ['masked']);
  b.graph.input('labels', 'int64', [task === 'masked-lm' ? 'masked' : 'batch']);
  for (const rate of [HIDDEN_DROPOUT, ATTENTION_DROPOUT, CLASSIFIER_DROPOUT]) b.graph.input(rate, 'float', []);
  for (const p of parameters) b.graph.input(p.name, 'float', p.shape);

  const encoder = encoderGraph(b, spec);
  const head = headNames(spec, task);
  let features: string;
  let unselect: (d: string) => string;
  if (task === 'sequence-classification') {
    // Token 0 of each sequence; its backward pads the gradient back to [B, T, H] with zeros.
    const hidden3 = b.reshape(encoder.hidden, b.op('Concat', [encoder.batchShape, b.ints([spec.hidden])], [{ name: 'axis', i: 0 }]));
    features = b.op('Gather', [hidden3, b.int(0)], [{ name: 'axis', i: 1 }]);
    unselect = (d) => {
      const tail = b.sub(b.op('Slice', [encoder.batchShape, b.ints([1]), b.ints([2])]), b.ints([1]));
      const pads = b.op('Concat', [b.ints([0, 0, 0, 0]), tail, b.ints([0])], [{ name: 'axis', i: 0 }]);
      return b.reshape(b.op('Pad', [b.op('Unsqueeze', [d, b.ints([1])]), pads]), b.ints([-1, spec.hidden]));
    };
  } else {
    // Only masked rows reach the vocabulary projection; their gradient is scattered back (unique rows).
    features = b.op('Gather', [encoder.hidden, 'masked_positions'], [{ name: 'axis', i: 0 }]);
    unselect = (d) => b.op('ScatterND', [b.op('ConstantOfShape', [b.op('Shape', [encoder.hidden])]), b.op('Unsqueeze', ['masked_positions', b.ints([1])]), d]);
  }

  const dense = linear(b, features, ...head.dense);
  const steps: Rule[] = [dense];
  let x = dense.y;
  if (task === 'sequence-classification') {
    const act = spec.modelType === 'distilbert' ? relu(b, x) : tanh(b, x);
    const drop = dropout(b, act.y, CLASSIFIER_DROPOUT, b.nextSeed());
    steps.push(act, drop);
    x = drop.y;
  } else {
    const act = gelu(b, x);
    const norm = layerNorm(b, act.y, ...head.norm!, spec.layerNormEps);
    steps.push(act, norm);
    x = norm.y;
  }
  const outWeight = head.out[0] ?? names.word; // the MLM decoder is tied to the word embeddings
  const out = linear(b, x, outWeight, head.out[1]);
  steps.push(out);
  b.named('logits', 'Identity', [out.y]);
  const ce = crossEntropy(b, out.y, 'labels', task === 'masked-lm' ? spec.vocabSize : numLabels);
  b.named('loss', 'Identity', [ce.loss]);

  let d = ce.dlogits;
  for (let i = steps.length - 1; i >= 0; i--) d = steps[i]!.back(d);
  encoder.back(unselect(d));

  b.graph.output('loss', []);
  b.graph.output('logits', [task === 'masked-lm' ? 'masked' : 'batch', task === 'masked-lm' ? spec.vocabSize : numLabels]);
  b.graph.output(EMBEDDING_GRAD, ['rows', spec.hidden]);
  const graphGradients: string[] = [];
  for (const p of parameters) {
    const g = b.gradients().get(p.name);
    if (g === undefined) continue;
    b.named(gradName(p.name), 'Identity', [g]);
    b.graph.output(gradName(p.name), p.shape);
    graphGradients.push(p.name);
  }
  return {
    spec,
    task,
    numLabels,
    parameters,
    tables: { word: names.word, position: names.position, tokenType: names.tokenType },
    graphGradients,
    model: b.graph.encode(TRAIN_OPSET, 'bertkit-finetune'),
  };
}
