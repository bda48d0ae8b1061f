import type { TrainBatch } from '../batch.js';
import { padBatch } from '../data/length-grouped.js';
import type { TrainTask } from '../model/model-spec.js';
import type { TrainingSession } from '../training-session.js';
import { bestSpan, classifyMetrics, multiLabelMetrics, nerMetrics, qaMetrics, regressionMetrics } from './metrics.js';
import type { ProblemType, TrainExample } from './types.js';

export interface EvalSetup {
  /** An eval-mode session (no dropout) over the same parameter buffers as training. */
  session: TrainingSession;
  task: TrainTask;
  problemType: ProblemType;
  numLabels: number;
  labelNames: readonly string[];
  batchSize: number;
  /** Masked LM: the dev batch with fixed masks (seeded by the batch's index, so every evaluation sees the same). */
  collate?: (batch: TrainBatch, index: number) => TrainBatch;
}

export interface EvalResult {
  metrics: Record<string, number>;
  /** Per dev example (see EvalInfo.predictions); empty for masked LM. */
  predictions: unknown[];
  /** Per dev example: its rows of logits (classification: [labels]; tokens: [tokens × labels]), for round-trip checks. */
  logits: Float32Array[];
}

async function forward(session: TrainingSession, batch: TrainBatch): Promise<{ loss: number; logits: Float32Array }> {
  const r = await session.evaluate(batch);
  // Copied: onnxruntime may reuse its output buffer on the next run.
  return { loss: r.loss, logits: r.logits.slice() };
}

/** Forward passes over `dev` in length-sorted batches (little padding), then the task's metrics; results in dev order. */
export async function evaluateExamples(setup: EvalSetup, dev: readonly TrainExample[]): Promise<EvalResult> {
  const { task, numLabels } = setup;
  const order = dev.map((_, i) => i).sort((a, b) => dev[b]!.ids.length - dev[a]!.ids.length);
  const logits: Float32Array[] = new Array(dev.length);
  let lossSum = 0;
  let weight = 0;
  for (let first = 0, index = 0; first < order.length; first += setup.batchSize, index++) {
    const idx = order.slice(first, first + setup.batchSize);
    let batch = padBatch(idx.map((i) => dev[i]!), task, setup.problemType, setup.session.graph.padId);
    if (setup.collate) batch = setup.collate(batch, index);
    const masked = task === 'masked-lm' ? batch.labels.reduce((n, l) => n + (l === -100n ? 0 : 1), 0) : idx.length;
    if (masked === 0) continue;
    const r = await forward(setup.session, batch);
    lossSum += r.loss * masked;
    weight += masked;
    if (task === 'masked-lm') continue;
    const t = batch.seqLength;
    const width = task === 'question-answering' ? 2 : task === 'sequence-classification' && setup.problemType === 'regression' ? 1 : numLabels;
    const perRow = task === 'sequence-classification' ? width : t * width;
    idx.forEach((i, r0) => void (logits[i] = r.logits.slice(r0 * perRow, (r0 + 1) * perRow)));
  }
  const loss = weight === 0 ? 0 : lossSum / weight;
  if (task === 'masked-lm') return { metrics: { loss, perplexity: Math.exp(loss) }, predictions: [], logits: [] };
  const { metrics, predictions } = taskMetrics(setup, dev, logits);
  return { metrics: { loss, ...metrics }, predictions, logits };
}

const argmax = (row: Float32Array, from: number, width: number): number => {
  let best = 0;
  for (let k = 1; k < width; k++) if (row[from + k]! > row[from + best]!) best = k;
  return best;
};

function taskMetrics(setup: EvalSetup, dev: readonly TrainExample[], logits: Float32Array[]): { metrics: Record<string, number>; predictions: unknown[] } {
  const { task, numLabels, problemType } = setup;
  if (task === 'sequence-classification') {
    if (problemType === 'regression') {
      const predictions = logits.map((l) => l[0]!);
      return { metrics: regressionMetrics(dev.map((e) => e.label ?? 0), predictions), predictions };
    }
    if (problemType === 'multi_label_classification') {
      const predictions = logits.map((l) => Array.from(l, (x) => (x > 0 ? 1 : 0)));
      return { metrics: multiLabelMetrics(dev.map((e) => [...(e.labels ?? [])]), predictions), predictions };
    }
    const predictions = logits.map((l) => argmax(l, 0, numLabels));
    return { metrics: classifyMetrics(dev.map((e) => e.label ?? 0), predictions), predictions };
  }
  if (task === 'token-classification') {
    const gold: number[][] = [];
    const predictions: number[][] = [];
    dev.forEach((e, i) => {
      const g: number[] = [];
      const p: number[] = [];
      (e.labels ?? []).forEach((label, t) => {
        if (label === -100) return;
        g.push(label);
        p.push(argmax(logits[i]!, t * numLabels, numLabels));
      });
      gold.push(g);
      predictions.push(p);
    });
    return { metrics: nerMetrics(gold, predictions, setup.labelNames), predictions };
  }
  // question answering: logits rows [tokens × (start, end)]
  const predictions = dev.map((e, i) => {
    const n = e.ids.length;
    const start = new Float32Array(n);
    const end = new Float32Array(n);
    for (let t = 0; t < n; t++) {
      start[t] = logits[i]![2 * t]!;
      end[t] = logits[i]![2 * t + 1]!;
    }
    return bestSpan(start, end, n);
  });
  return { metrics: qaMetrics(dev.map((e) => [e.start ?? 0, e.end ?? 0] as const), predictions), predictions };
}
