import { expect } from 'vitest';
import type { TrainBatch } from '../batch.js';
import type { EncoderSpec, TrainableType } from '../model/model-spec.js';
import type { TrainingGraph } from '../model/task-graph.js';
import type { TrainingSession } from '../training-session.js';

/** A small deterministic generator for picking entries (not the tested code's). */
export function picker(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}

/** Our gradient on `perTensor` entries per tensor (word table: 2, one in a looked-up row; other tables: one used row) against central differences of `ref`. */
export function checkEntries(model: TrainableType, spec: EncoderSpec, graph: TrainingGraph, session: TrainingSession, batch: TrainBatch, f64: Map<string, Float64Array>, ref: () => number, seed: number, perTensor = 2): { checked: number; worst: number } {
  const pick = picker(seed);
  const usedRows = [...new Set(Array.from(batch.inputIds, Number))];
  let worst = 0;
  let checked = 0;
  for (const p of graph.parameters) {
    const grad = session.gradients.get(p.name)!;
    const scale = grad.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const width = p.shape[p.shape.length - 1]!;
    const entries = Array.from({ length: p.name === graph.tables.word ? 2 : perTensor }, () => pick(grad.length));
    // Tables: entries in looked-up rows (elsewhere the gradient is trivially 0), plus one random entry.
    if (p.name === graph.tables.word) entries[0] = usedRows[pick(usedRows.length)]! * width + pick(width);
    if (p.name === graph.tables.position) entries[0] = (pick(batch.seqLength) + (model === 'roberta' ? 2 : 0)) * width + pick(width); // RoBERTa: rows 2.. are used
    if (p.name === graph.tables.tokenType) entries[0] = (spec.typeVocabSize - 1) * width + pick(width); // the last type (RoBERTa has one)
    for (const i of entries) {
      const values = f64.get(p.name)!;
      const keep = values[i]!;
      const step = 1e-5;
      values[i] = keep + step;
      const up = ref();
      values[i] = keep - step;
      const down = ref();
      values[i] = keep;
      const fd = (up - down) / (2 * step);
      // Tensors whose gradient is structurally 0 (a key bias; the QA bias and the last LayerNorm bias, as
      // softmax over positions is shift-invariant) hold float32 noise only: judged by the 1e-7 floor.
      if (scale > 1e-6) worst = Math.max(worst, Math.abs(grad[i]! - fd) / scale);
      checked++;
      // Within 1e-4 of the tensor's largest gradient (as the PyTorch comparisons) and 1e-3 of the entry.
      expect(Math.abs(grad[i]! - fd), `${p.name}[${i}]: ours ${grad[i]}, finite differences ${fd}`).toBeLessThan(1e-4 * scale + 1e-3 * Math.abs(fd) + 1e-7);
    }
  }
  return { checked, worst };
}
