import type { GraphBuilder } from '../graph-builder.js';
import { activation } from '../rules/activations.js';
import { bceWithLogits } from '../rules/bce.js';
import { crossEntropy } from '../rules/cross-entropy.js';
import { dropout } from '../rules/dropout.js';
import { firstToken } from '../rules/first-token.js';
import { layerNorm } from '../rules/layer-norm.js';
import { linear } from '../rules/linear.js';
import type { LossRule } from '../rules/loss.js';
import { meanSquaredError } from '../rules/mse.js';
import type { Rule } from '../rules/rule.js';
import { spanLoss } from '../rules/span-loss.js';
import type { ProblemType } from '../run/types.js';
import { ATTENTION_DROPOUT, HIDDEN_DROPOUT } from './encoder-graph.js';
import type { EncoderGraph } from './encoder-graph.js';
import type { EncoderSpec, TrainTask } from './model-spec.js';
import { encoderNames, headNames, headWidth } from './model-spec.js';

export interface HeadOutput {
  logits: string;
  logitsShape: Array<string | number>;
  loss: string;
  /** Emits the head's backward and returns d(loss)/d(last hidden rows) [B·T, H]. */
  back(): string;
}

export interface HeadGraph {
  forward(encoder: EncoderGraph): HeadOutput;
}

/**
 * Declares the task's target inputs and the dropout rates, then (forward) builds the head of
 * transformers' *For<Task> class on the encoder's last hidden rows, with its loss.
 */
export function headGraph(b: GraphBuilder, spec: EncoderSpec, task: TrainTask, numLabels: number, problemType: ProblemType, rate: string): HeadGraph {
  const floatTargets = task === 'sequence-classification' && problemType !== 'single_label_classification';
  if (task === 'masked-lm') b.graph.input('masked_positions', 'int64', ['masked']);
  if (task === 'question-answering') {
    b.graph.input('start_positions', 'int64', ['batch']);
    b.graph.input('end_positions', 'int64', ['batch']);
  } else if (floatTargets) {
    b.graph.input('float_labels', 'float', ['batch', numLabels]);
  } else {
    b.graph.input('labels', 'int64', [task === 'masked-lm' ? 'masked' : task === 'token-classification' ? 'tokens' : 'batch']);
  }
  for (const r of [HIDDEN_DROPOUT, ATTENTION_DROPOUT, rate]) b.graph.input(r, 'float', []);
  const head = headNames(spec, task);
  const width = headWidth(spec, task, numLabels);
  const h = spec.hidden;

  return {
    forward(encoder) {
      // Which rows of the last hidden state reach the head, and how their gradient returns to the encoder's rows
      // (a first-token-only encoder already gives sequence classification its [B, H] rows).
      let features = encoder.hidden;
      let unselect = (d: string) => d;
      if (task === 'sequence-classification' && !encoder.firstTokenOnly) {
        const first = firstToken(b, encoder.hidden, encoder.batchShape, h);
        features = first.y;
        unselect = (d) => first.back(d);
      } else if (task === 'masked-lm') {
        // Only masked rows reach the vocabulary projection; their gradient is scattered back (unique rows).
        features = b.op('Gather', [encoder.hidden, 'masked_positions'], [{ name: 'axis', i: 0 }]);
        unselect = (d) => b.op('ScatterND', [b.op('ConstantOfShape', [b.op('Shape', [encoder.hidden])]), b.op('Unsqueeze', ['masked_positions', b.ints([1])]), d]);
      }

      const steps: Rule[] = [];
      let x = features;
      const push = (r: Rule) => {
        steps.push(r);
        x = r.y;
      };
      // The head's shape (input dropout, dense, activation, norm) is model-spec's headNames.
      if (head.inputDropout) push(dropout(b, x, rate, b.nextSeed()));
      if (head.dense) push(linear(b, x, ...head.dense));
      if (head.activation) push(activation(b, x, head.activation));
      if (task === 'masked-lm') {
        push(layerNorm(b, x, ...head.norm!, spec.layerNormEps));
      } else if (!(task === 'question-answering' && spec.modelType !== 'distilbert')) {
        // BERT's, RoBERTa's, ELECTRA's and ALBERT's QA heads have no dropout at all; every other classifier drops its input at `rate`.
        push(dropout(b, x, rate, b.nextSeed()));
      }
      const outWeight = head.out[0] ?? encoderNames(spec).word; // the MLM decoder is tied to the word embeddings
      push(linear(b, x, outWeight, head.out[1]));
      const out = x;

      let logits = out;
      let logitsShape: Array<string | number> = [task === 'masked-lm' ? 'masked' : task === 'token-classification' ? 'tokens' : 'batch', width];
      let loss: string;
      let dOut: () => string;
      if (task === 'question-answering') {
        logits = b.reshape(out, b.op('Concat', [encoder.batchShape, b.ints([2])], [{ name: 'axis', i: 0 }]));
        logitsShape = ['batch', 'sequence', 2];
        const pick = (i: number) => b.op('Gather', [logits, b.int(i)], [{ name: 'axis', i: 2 }]);
        const span = spanLoss(b, pick(0), pick(1), 'start_positions', 'end_positions');
        loss = span.loss;
        const col = (d: string) => b.op('Unsqueeze', [d, b.ints([2])]);
        dOut = () => b.reshape(b.op('Concat', [col(span.dStart), col(span.dEnd)], [{ name: 'axis', i: 2 }]), b.ints([-1, 2]));
      } else {
        let rule: LossRule;
        if (!floatTargets) rule = crossEntropy(b, out, 'labels', width);
        else if (problemType === 'multi_label_classification') rule = bceWithLogits(b, out, 'float_labels');
        else rule = meanSquaredError(b, out, 'float_labels');
        loss = rule.loss;
        dOut = () => rule.dlogits;
      }
      return {
        logits,
        logitsShape,
        loss,
        back() {
          let d = dOut();
          for (let i = steps.length - 1; i >= 0; i--) d = steps[i]!.back(d);
          return unselect(d);
        },
      };
    },
  };
}
