import { describe, expect, it } from 'vitest';
import { readEncoderSpec } from '../model/model-spec.js';
import { buildTrainingGraph } from '../model/task-graph.js';
import { standInDir } from '../testing/reference.js';
import { reseedModel, seedOffsets } from './reseed.js';

describe('reseedModel', () => {
  const model = buildTrainingGraph(readEncoderSpec(standInDir('bert')), 'sequence-classification').model;
  const offsets = seedOffsets(model);

  it('finds the seed of every RandomUniformLike node and changes nothing else', () => {
    // Independent count: the op type string occurs once per node in the encoded graph.
    const occurrences = Buffer.from(model).toString('latin1').split('RandomUniformLike').length - 1;
    expect(offsets.length).toBe(occurrences);
    expect(offsets.length).toBeGreaterThan(4);
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
