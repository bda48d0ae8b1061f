import { describe, expect, it } from 'vitest';
import { readEncoderSpec } from './model/model-spec.js';
import { buildTrainingGraph } from './model/task-graph.js';
import { readTensors, standInDir } from './testing/reference.js';
import { TrainingSession } from './training-session.js';

describe('TrainingSession input checks', () => {
  const graph = buildTrainingGraph(readEncoderSpec(standInDir('distilbert')), 'sequence-classification');
  it('names missing parameters, too-long rows and wrong sizes', async () => {
    const params = readTensors('distilbert', 'initial.safetensors');
    params.delete('classifier.bias');
    await expect(TrainingSession.create(graph, params)).rejects.toThrow(/classifier\.bias \[2\] missing/);
    const session = await TrainingSession.create(graph, readTensors('distilbert', 'initial.safetensors'), { threads: 1 });
    const rows = (t: number) => ({ batchSize: 1, seqLength: t, inputIds: new BigInt64Array(t).fill(101n), attentionMask: new BigInt64Array(t).fill(1n), labels: BigInt64Array.of(0n) });
    await expect(session.computeGradients(rows(513))).rejects.toThrow(/513 tokens per row: the model has 512 positions/);
    await expect(session.computeGradients({ ...rows(4), seqLength: 5 })).rejects.toThrow(/must hold 1 x 5 values/);
    await expect(session.computeGradients({ ...rows(4), labels: BigInt64Array.of(0n, 1n) })).rejects.toMatchObject({ code: 'E_SHAPE' });
    await session.release();
  });
});

describe('TrainingSession targets per task', () => {
  it('names the missing or mis-sized targets of QA, token classification and float-label graphs', async () => {
    const spec = readEncoderSpec(standInDir('bert'));
    const params = (g: ReturnType<typeof buildTrainingGraph>) => new Map(g.parameters.map((p) => [p.name, new Float32Array(p.shape.reduce((a, c) => a * c, 1))]));
    const base = { batchSize: 2, seqLength: 3, inputIds: new BigInt64Array(6).fill(101n), attentionMask: new BigInt64Array(6).fill(1n), labels: new BigInt64Array(0) };
    const qa = buildTrainingGraph(spec, 'question-answering', { gradients: false });
    const token = buildTrainingGraph(spec, 'token-classification', { numLabels: 3, gradients: false });
    const multi = buildTrainingGraph(spec, 'sequence-classification', { numLabels: 3, problemType: 'multi_label_classification', gradients: false });
    const sessions = await Promise.all([qa, token, multi].map((g) => TrainingSession.create(g, params(g), { threads: 1 })));
    const [qaS, tokenS, multiS] = sessions as [TrainingSession, TrainingSession, TrainingSession];
    // Prediction: a batch without targets gives the logits and loss NaN; a wrong-sized target is still an error.
    const predicted = await qaS.evaluate(base);
    expect(predicted.loss).toBeNaN();
    expect(predicted.startLogits!.length).toBe(6);
    expect((await tokenS.evaluate(base)).loss).toBeNaN();
    expect((await multiS.evaluate(base)).loss).toBeNaN();
    await expect(qaS.evaluate({ ...base, startPositions: BigInt64Array.of(1n), endPositions: BigInt64Array.of(1n, 2n) })).rejects.toThrow(/startPositions: expected 2 \(one per row\), got 1/);
    await expect(tokenS.evaluate({ ...base, labels: BigInt64Array.of(0n, 1n) })).rejects.toThrow(/labels: expected 6 \(one per token\), got 2/);
    await expect(multiS.evaluate({ ...base, floatLabels: new Float32Array(2) })).rejects.toThrow(/floatLabels: expected 6 \(3 per row\)/);
    // With zero weights every logit is 0: the uniform losses log T, log 3 and log 2.
    expect((await qaS.evaluate({ ...base, startPositions: BigInt64Array.of(1n, 0n), endPositions: BigInt64Array.of(2n, 0n) })).loss).toBeCloseTo(Math.log(3), 6);
    expect((await tokenS.evaluate({ ...base, labels: BigInt64Array.of(0n, 1n, 2n, -100n, 1n, 1n) })).loss).toBeCloseTo(Math.log(3), 6);
    expect((await multiS.evaluate({ ...base, floatLabels: new Float32Array(6).fill(1) })).loss).toBeCloseTo(Math.log(2), 6);
    for (const s of sessions) await s.release();
  });

  it('refuses ids outside the embedding tables with E_SHAPE, naming them', async () => {
    const spec = readEncoderSpec(standInDir('bert'));
    const g = buildTrainingGraph(spec, 'sequence-classification', { gradients: false });
    const session = await TrainingSession.create(g, new Map(g.parameters.map((p) => [p.name, new Float32Array(p.shape.reduce((a, c) => a * c, 1))])), { threads: 1 });
    const batch = { batchSize: 1, seqLength: 2, inputIds: BigInt64Array.of(101n, 30522n), attentionMask: BigInt64Array.of(1n, 1n), labels: BigInt64Array.of(0n) };
    await expect(session.evaluate(batch)).rejects.toThrow(/input_ids: 30522 at flat index 1 is outside the model's 30522 rows/);
    await expect(session.evaluate({ ...batch, inputIds: BigInt64Array.of(101n, 102n), tokenTypeIds: BigInt64Array.of(0n, 2n) })).rejects.toThrow(/token_type_ids: 2 .* 2 rows/);
    await session.release();
  });
});
