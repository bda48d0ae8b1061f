import { describe, expect, it } from 'vitest';
import { readEncoderSpec } from '../model/model-spec.js';
import { buildTrainingGraph } from '../model/task-graph.js';
import { standInDir } from '../testing/reference.js';
import { segmentSeed } from './reseed.js';

const spec = readEncoderSpec(standInDir('bert'));
const build = (dropoutSeed?: number) => Buffer.from(buildTrainingGraph(spec, 'sequence-classification', dropoutSeed === undefined ? {} : { dropoutSeed }).model);

/** Where the float `seed` attributes stand, read from the bytes: AttributeProto name "seed" (0x0a 4), then f (field 2, fixed32: 0x15). */
function seedOffsets(model: Buffer): number[] {
  const tag = Buffer.from([0x0a, 4, ...Buffer.from('seed'), 0x15]);
  const out: number[] = [];
  for (let at = model.indexOf(tag); at >= 0; at = model.indexOf(tag, at + 1)) out.push(at + tag.length);
  return out;
}
const seeds = (model: Buffer) => seedOffsets(model).map((o) => model.readFloatLE(o));

describe('dropout seeds per segment', () => {
  it('a graph built with a dropout seed differs from the default only in the seeds of its random nodes', () => {
    const plain = build();
    const seeded = build(segmentSeed(42, 100));
    // 1 embedding + 3 per BERT layer (attention probabilities, attention output, FFN output) + 1 classifier.
    expect(seeds(plain)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007]);
    const drawn = seeds(seeded);
    expect(drawn).toHaveLength(8);
    expect(drawn.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 24)).toBe(true);
    expect(new Set(drawn).size).toBe(drawn.length);
    expect(seeded.length).toBe(plain.length);
    const differing: number[] = [];
    for (let i = 0; i < plain.length; i++) if (plain[i] !== seeded[i]) differing.push(i);
    const seedBytes = new Set(seedOffsets(plain).flatMap((o) => [o, o + 1, o + 2, o + 3]));
    expect(differing.every((i) => seedBytes.has(i))).toBe(true);
  });

  it('the same (seed, step) builds the same graph; another step or seed another one', () => {
    const a = build(segmentSeed(42, 100));
    expect(build(segmentSeed(42, 100)).equals(a)).toBe(true);
    expect(build(segmentSeed(42, 101)).equals(a)).toBe(false);
    expect(build(segmentSeed(43, 100)).equals(a)).toBe(false);
  });
});
