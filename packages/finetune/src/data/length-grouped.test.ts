import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../batch.js';
import { padBatch } from './length-grouped.js';

const big = (xs: number[]) => BigInt64Array.from(xs, BigInt);

describe('padBatch per task', () => {
  const ids = [[101, 5, 6, 102], [101, 7, 102]];
  it('single-label classification: labels [B] (and the same values as floats)', () => {
    const b = padBatch([{ ids: ids[0]!, label: 1 }, { ids: ids[1]!, label: 0 }]);
    expect(b.seqLength).toBe(4);
    expect(b.inputIds).toEqual(big([101, 5, 6, 102, 101, 7, 102, 0]));
    expect(b.attentionMask).toEqual(big([1, 1, 1, 1, 1, 1, 1, 0]));
    expect(b.labels).toEqual(big([1, 0]));
    expect(b.floatLabels).toEqual(Float32Array.of(1, 0));
  });

  it('regression: floatLabels [B], no int labels for fractional targets', () => {
    const b = padBatch([{ ids: ids[0]!, label: 0.25 }, { ids: ids[1]!, label: -3 }], 'sequence-classification', 'regression');
    expect(b.floatLabels).toEqual(Float32Array.of(0.25, -3));
    expect(b.labels.length).toBe(0);
    expect(() => padBatch([{ ids: ids[0]!, label: 0.5 }], 'sequence-classification', 'single_label_classification')).toThrow(/class indexes/);
  });

  it('multi-label: floatLabels [B, C] from the per-class 0/1 labels, inferred or explicit', () => {
    const rows = [{ ids: ids[0]!, labels: [1, 0, 1] }, { ids: ids[1]!, labels: [0, 1, 1] }];
    for (const b of [padBatch(rows), padBatch(rows, 'sequence-classification', 'multi_label_classification')]) expect(b.floatLabels).toEqual(Float32Array.of(1, 0, 1, 0, 1, 1));
    expect(() => padBatch([rows[0]!, { ids: ids[1]!, labels: [1] }], 'sequence-classification', 'multi_label_classification')).toThrow(/example 1 has 1 labels, expected 3/);
  });

  it('token classification: labels [B·T], -100 on padding; a label per token is required', () => {
    const b = padBatch([{ ids: ids[0]!, labels: [-100, 2, 0, -100] }, { ids: ids[1]!, labels: [-100, 1, -100] }], 'token-classification');
    expect(b.labels).toEqual(big([-100, 2, 0, -100, -100, 1, -100, -100]));
    expect(() => padBatch([{ ids: ids[0]!, labels: [1, 2] }], 'token-classification')).toThrow(/2 labels for 4 tokens/);
    expect(() => padBatch([{ ids: ids[0]!, label: 1 }], 'token-classification')).toThrow(/example 0 has no labels/);
  });

  it('question answering: start and end positions [B]', () => {
    const b = padBatch([{ ids: ids[0]!, start: 1, end: 2 }, { ids: ids[1]!, start: 0, end: 0 }], 'question-answering');
    expect(b.startPositions).toEqual(big([1, 0]));
    expect(b.endPositions).toEqual(big([2, 0]));
    expect(() => padBatch([{ ids: ids[0]!, start: 1 }], 'question-answering')).toThrow(/no end/);
  });

  it('masked LM: every label -100 until a collator masks', () => {
    expect(padBatch([{ ids: ids[1]! }], 'masked-lm').labels).toEqual(big([-100, -100, -100]));
  });

  it('batchFromRows keeps float targets and QA positions', () => {
    const b = batchFromRows({ input_ids: ids.map((r) => r.slice(0, 3)), attention_mask: [[1, 1, 1], [1, 1, 1]], labels: [0.5, 2], start_positions: [1, 0], end_positions: [2, 0] });
    expect(b.floatLabels).toEqual(Float32Array.of(0.5, 2));
    expect(b.labels.length).toBe(0);
    expect(b.startPositions).toEqual(big([1, 0]));
  });
});

describe('padBatch pad id', () => {
  it('pads input ids with the given id (RoBERTa: 1), attention 0 there', () => {
    const b = padBatch([{ ids: [0, 5, 2], label: 0 }, { ids: [0, 2], label: 1 }], 'sequence-classification', undefined, 1);
    expect(b.inputIds).toEqual(big([0, 5, 2, 0, 2, 1]));
    expect(b.attentionMask).toEqual(big([1, 1, 1, 1, 1, 0]));
  });
});
