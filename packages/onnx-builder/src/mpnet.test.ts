// MPNet has no shared PyTorch fixture: its relative position buckets are checked against values worked
// out by hand from transformers' formula, and the graph against the plain TypeScript forward pass
// (reference-forward.ts) on a random MPNet long enough to reach the logarithmic and the clamped buckets.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile, convertCheckpoint, createRandomModel, relativePositionBucket } from './index.js';
import { referenceForward } from './testing/reference-forward.js';
import { maxDiff } from './testing/parity.js';
import { runGraph } from './testing/run-graph.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-mpnet-'));

describe('relative position buckets (32 buckets, max distance 128)', () => {
  // relative = key position - query position; n = -relative. Keys before the query (n > 0) use buckets
  // 0..15, keys after it 16..31. n < 8 is exact; beyond, 8 + trunc(ln(n / 8) / ln(16) * 8), at most 15:
  //   n = 11: ln 1.375 / ln 16 * 8 = 0.919 -> 8      n = 12: ln 1.5 / ln 16 * 8 = 1.170 -> 9
  //   n = 16: exactly 2 -> 10   n = 20: 2.644 -> 10   n = 23: 3.047 -> 11   n = 32: exactly 4 -> 12
  //   n = 64: exactly 6 -> 14 (float32 gives exactly 0.75 * 8, as torch computes it)
  //   n = 100: 7.288 -> 15   n = 127: 7.977 -> 15   n = 128: 8 -> 16, clamped to 15   n = 1000: clamped 15
  const table: Array<[number, number]> = [
    [0, 0], [-1, 1], [-7, 7], [-8, 8], [-11, 8], [-12, 9], [-15, 9], [-16, 10], [-20, 10], [-23, 11], [-32, 12],
    [-63, 13], [-64, 14], [-100, 15], [-127, 15], [-128, 15], [-1000, 15],
    [1, 17], [7, 23], [8, 24], [12, 25], [16, 26], [64, 30], [100, 31], [1000, 31],
  ];
  it.each(table)('relative position %i -> bucket %i', (relative, bucket) => {
    expect(relativePositionBucket(relative)).toBe(bucket);
  });
});

describe('random MPNet', () => {
  it('every layer of the graph agrees with the TypeScript forward pass (150 tokens: log and clamped buckets)', async () => {
    const m = createRandomModel({ preset: 'mpnet-tiny', output: join(tmp, 'mpnet'), seed: 3, std: 0.2 });
    expect(m.shape.maxLength).toBe(512);
    const report = convertCheckpoint(m.dir, { hiddenStates: true, output: join(tmp, 'mpnet-states') });
    const ids = Array.from({ length: 150 }, (_, i) => (i === 0 ? 0 : i === 149 ? 2 : 4 + ((i * 37) % 250)));
    const out = await runGraph(report.onnx, { input_ids: [ids], attention_mask: [ids.map(() => 1)] }, ['hidden_states.0', 'hidden_states.1', 'hidden_states.2']);
    const file = SafetensorsFile.open(join(m.dir, 'model.safetensors'));
    const weights = new Map(file.names().map((n) => [n, file.read(n)]));
    file.close();
    const expected = referenceForward(m.shape, { read: (n) => weights.get(n)! }, '', ids);
    expected.forEach((state, layer) => expect(maxDiff(out[`hidden_states.${layer}`]!, Array.from(state)), `layer ${layer}`).toBeLessThan(1e-5));
    // The relative bias matters: with it zeroed the layers move far beyond that tolerance.
    const noBias = (n: string) => (n.endsWith('relative_attention_bias.weight') ? new Float32Array(32 * 4) : weights.get(n)!);
    const zeroed = referenceForward(m.shape, { read: noBias }, '', ids.slice(0, 20));
    const short = await runGraph(report.onnx, { input_ids: [ids.slice(0, 20)], attention_mask: [ids.slice(0, 20).map(() => 1)] }, ['hidden_states.2']);
    expect(maxDiff(short['hidden_states.2']!, Array.from(zeroed[2]!))).toBeGreaterThan(1e-3);
  });
});
