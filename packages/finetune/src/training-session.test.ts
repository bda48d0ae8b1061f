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
