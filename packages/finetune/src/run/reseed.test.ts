import { describe, expect, it } from 'vitest';
import { readEncoderSpec } from '../model/model-spec.js';
import { buildTrainingGraph } from '../model/task-graph.js';
import { standInDir } from '../testing/reference.js';
import { reseedModel, seedOffsets } from './reseed.js';

describe('reseedModel', () => {
  const model = buildTrainingGraph(readEncoderSpec(standInDir('bert')), 'sequence-classification').model;
  const offsets = seedOffsets(model);

  it('finds the seed of every RandomUniformLike node and changes nothing else', () => {
    // Independent count: NodeProto.op_type (field 4, length 17) spelled out in the bytes; and by design
    // 1 embedding + 3 per BERT layer (attention probabilities, attention output, FFN output) + 1 classifier.
    const opType = Buffer.concat([Buffer.from([0x22, 17]), Buffer.from('RandomUniformLike')]).toString('latin1');
    expect(offsets.length).toBe(Buffer.from(model).toString('latin1').split(opType).length - 1);
    expect(offsets.length).toBe(1 + 3 * 2 + 1);
    const a = reseedModel(model, 42, 100, offsets);
    const view = new DataView(a.buffer, a.byteOffset);
    const changed = new Set<number>();
    for (let i = 0; i < model.length; i++) if (a[i] !== model[i]) changed.add(i);
    for (const i of changed) expect(offsets.some((o) => i >= o && i < o + 4), `byte ${i}`).toBe(true);
    const seeds = offsets.map((o) => view.getFloat32(o, true));
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 24)).toBe(true);
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(Buffer.from(reseedModel(model, 42, 100, offsets)).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(reseedModel(model, 42, 101, offsets)).equals(Buffer.from(a))).toBe(false);
    expect(Buffer.from(reseedModel(model, 43, 100, offsets)).equals(Buffer.from(a))).toBe(false);
  });
});
