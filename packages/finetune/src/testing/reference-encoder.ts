import type { TrainBatch } from '../batch.js';
import type { EncoderSpec } from '../model/model-spec.js';
import { encoderNames, headNames } from '../model/model-spec.js';
import { attentionRef, crossEntropyRef, geluRef, layerNormRef, linearRef, reluRef, tanhRef } from './reference-ops.js';
import { bceRef, mseRef, spanLossRef } from './reference-losses.js';
import type { ProblemType } from '../run/types.js';

type Params = ReadonlyMap<string, ArrayLike<number>>;

/** The last hidden state [B·T, H] of a DistilBERT/BERT in float64 (eval mode), from the reference ops only. */
export function encoderHiddenRef(spec: EncoderSpec, params: Params, batch: TrainBatch): Float64Array {
  const p = (name: string) => params.get(name)!;
  const names = encoderNames(spec);
  const { batchSize: bs, seqLength: t } = batch;
  const h = spec.hidden;
  const n = bs * t;
  let x: Float64Array = new Float64Array(n * h);
  // RoBERTa (transformers' create_position_ids_from_input_ids): pad tokens sit at position pad, the others
  // at pad + their rank among the row's non-pad tokens; other families at 0..T-1.
  const pad = spec.padTokenId ?? 1;
  let rank = 0;
  for (let r = 0; r < n; r++) {
    const id = Number(batch.inputIds[r]);
    const type = Number(batch.tokenTypeIds?.[r] ?? 0n);
    if (r % t === 0) rank = 0;
    let position = r % t;
    if (spec.modelType === 'roberta') position = id === pad ? pad : pad + ++rank;
    for (let j = 0; j < h; j++) {
      x[r * h + j] = p(names.word)[id * h + j]! + p(names.position)[position * h + j]! + (names.tokenType ? p(names.tokenType)[type * h + j]! : 0);
    }
  }
  x = layerNormRef(x, p(names.embeddingNorm[0]), p(names.embeddingNorm[1]), h, spec.layerNormEps);
  const mask = Array.from(batch.attentionMask, Number);
  const lin = (v: ArrayLike<number>, [w, b]: readonly [string, string], din: number, dout: number) => linearRef(v, p(w), p(b), n, din, dout);
  const add = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (v, i) => v + b[i]!);
  for (let l = 0; l < spec.layers; l++) {
    const L = names.layer(l);
    const ctx = attentionRef(lin(x, L.q, h, h), lin(x, L.k, h, h), lin(x, L.v, h, h), mask, bs, t, h, spec.heads);
    const x1 = layerNormRef(add(lin(ctx, L.out, h, h), x), p(L.attentionNorm[0]), p(L.attentionNorm[1]), h, spec.layerNormEps);
    const ff = lin(geluRef(lin(x1, L.ffIn, h, spec.intermediate)), L.ffOut, spec.intermediate, h);
    x = layerNormRef(add(ff, x1), p(L.outputNorm[0]), p(L.outputNorm[1]), h, spec.layerNormEps);
  }
  return x;
}

/**
 * The masked-LM loss of a DistilBERT/BERT in float64, composed from the independent reference ops
 * (no graph code): the oracle for whole-model finite differences.
 */
export function mlmLossRef(spec: EncoderSpec, params: Params, batch: TrainBatch): number {
  const p = (name: string) => params.get(name)!;
  const names = encoderNames(spec);
  const h = spec.hidden;
  const x = encoderHiddenRef(spec, params, batch);
  const rows: number[] = [];
  const labels: number[] = [];
  batch.labels.forEach((label, i) => {
    if (label !== -100n) {
      rows.push(i);
      labels.push(Number(label));
    }
  });
  const m = rows.length;
  const picked = new Float64Array(m * h);
  rows.forEach((r, i) => picked.set(x.subarray(r * h, (r + 1) * h), i * h));
  const head = headNames(spec, 'masked-lm');
  const dense = linearRef(picked, p(head.dense![0]), p(head.dense![1]), m, h, h);
  const normed = layerNormRef(geluRef(dense), p(head.norm![0]), p(head.norm![1]), h, spec.layerNormEps);
  const logits = linearRef(normed, p(names.word), p(head.out[1]), m, h, spec.vocabSize);
  return crossEntropyRef(logits, labels, spec.vocabSize);
}

/**
 * The loss of transformers' *ForSequenceClassification / *ForTokenClassification / *ForQuestionAnswering
 * (eval mode) in float64, written from their definitions with the reference ops.
 */
export function taskLossRef(
  spec: EncoderSpec,
  task: 'sequence-classification' | 'token-classification' | 'question-answering',
  params: Params,
  batch: TrainBatch,
  options: { numLabels: number; problemType?: ProblemType },
): number {
  const p = (name: string) => params.get(name)!;
  const { batchSize: bs, seqLength: t } = batch;
  const h = spec.hidden;
  const x = encoderHiddenRef(spec, params, batch);
  const c = options.numLabels;
  if (task === 'sequence-classification') {
    const first = new Float64Array(bs * h);
    for (let r = 0; r < bs; r++) first.set(x.subarray(r * t * h, r * t * h + h), r * h);
    const heads: Partial<Record<EncoderSpec['modelType'], string[]>> = { distilbert: ['pre_classifier', 'classifier'], bert: ['bert.pooler.dense', 'classifier'], roberta: ['classifier.dense', 'classifier.out_proj'] };
    const pair = heads[spec.modelType];
    if (!pair) throw new Error(`taskLossRef: no ${spec.modelType} head here (its oracle is model/task-torch.py)`);
    const [dense, out] = pair as [string, string];
    const y = linearRef(first, p(`${dense}.weight`), p(`${dense}.bias`), bs, h, h);
    const logits = linearRef(spec.modelType === 'distilbert' ? reluRef(y) : tanhRef(y), p(`${out}.weight`), p(`${out}.bias`), bs, h, c);
    if (options.problemType === 'multi_label_classification') return bceRef(logits, batch.floatLabels!);
    if (options.problemType === 'regression') return mseRef(logits, batch.floatLabels!);
    return crossEntropyRef(logits, Array.from(batch.labels, Number), c);
  }
  if (task === 'token-classification') {
    return crossEntropyRef(linearRef(x, p('classifier.weight'), p('classifier.bias'), bs * t, h, c), Array.from(batch.labels, Number), c);
  }
  const logits = linearRef(x, p('qa_outputs.weight'), p('qa_outputs.bias'), bs * t, h, 2);
  const start = Float64Array.from({ length: bs * t }, (_, i) => logits[2 * i]!);
  const end = Float64Array.from({ length: bs * t }, (_, i) => logits[2 * i + 1]!);
  return spanLossRef(start, end, Array.from(batch.startPositions!, Number), Array.from(batch.endPositions!, Number), t);
}
