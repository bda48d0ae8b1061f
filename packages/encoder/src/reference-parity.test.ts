// Parity with an independent PyTorch implementation (../shared/models/*/reference.json): every hidden
// state of every batch, and every pooling computed from them, through the planner's own batching.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WordPieceTokenizer } from '@bertkit/wordpiece';
import { describe, expect, it } from 'vitest';
import { Encoder, maxAbsDiff } from './index.js';
import { STAND_INS, flat, modelDir, reference, type ReferenceBatch } from './testing/reference.js';

const TOLERANCE = 1e-5;

/** Pools reference hidden states the textbook way, from the reference's own padded batch and mask. */
function referencePool(batch: ReferenceBatch, layer: number, method: 'cls' | 'mean' | 'max'): number[][] {
  return batch.input_ids.map((_, r) => {
    const states = batch.hidden_states[layer]![r]!;
    const kept = states.filter((_, p) => batch.attention_mask[r]![p] === 1);
    if (method === 'cls') return states[0]!;
    const dim = states[0]!.length;
    return Array.from({ length: dim }, (_, d) =>
      method === 'mean' ? kept.reduce((s, v) => s + v[d]!, 0) / kept.length : Math.max(...kept.map((v) => v[d]!)),
    );
  });
}

describe.each(STAND_INS)('%s', (name) => {
  const batches = reference(name);

  it('loads from a copy of the Hugging Face directory layout, as a downloaded model would', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'bertkit-hub-')), 'models--bertkit--stand-in', 'snapshots', 'main');
    cpSync(modelDir(name), copy, { recursive: true });
    const encoder = await Encoder.load(copy);
    expect(encoder.files.onnx).toBe(join(copy, 'onnx', 'model.onnx'));
    expect(encoder.config.layers).toBe(2);
    expect(encoder.config.hidden).toBe(32);
    const e = await encoder.embed(['hello world']);
    expect(e.dim).toBe(32);
    await encoder.release();
  });

  it('tokenizes the reference inputs to the reference ids, mask and type ids', async () => {
    const encoder = await Encoder.load(modelDir(name));
    for (const batch of batches) {
      const inputs = batch.texts ?? batch.pairs!;
      const ours = (encoder.tokenizer as WordPieceTokenizer).encodeBatch(inputs, { padding: 'longest' });
      expect(Array.from(ours.inputIds)).toEqual(batch.input_ids.flat());
      expect(Array.from(ours.attentionMask)).toEqual(batch.attention_mask.flat());
      expect(Array.from(ours.typeIds)).toEqual(batch.token_type_ids.flat());
    }
    await encoder.release();
  });

  it('every hidden state of every reference batch within 1e-5, padded positions included', async () => {
    const encoder = await Encoder.load(modelDir(name));
    let compared = 0;
    for (const batch of batches) {
      const rows = batch.input_ids.length;
      const length = batch.input_ids[0]!.length;
      const states = await encoder.forward({
        inputIds: flat(batch.input_ids),
        attentionMask: flat(batch.attention_mask),
        tokenTypeIds: flat(batch.token_type_ids),
        rows,
        length,
      });
      expect(states.length).toBe(batch.hidden_states.length);
      states.forEach((state, layer) => {
        expect(maxAbsDiff(state, batch.hidden_states[layer]!.flat(2))).toBeLessThan(TOLERANCE);
        compared++;
      });
    }
    expect(compared).toBe(batches.length * 3);
    // At least one reference batch is padded, so masked positions are part of the comparison.
    expect(batches.some((b) => b.attention_mask.flat().includes(0))).toBe(true);
    await encoder.release();
  });

  it('cls, mean and max pooling of each layer, and layer-concat, match pooling of the reference states', async () => {
    const encoder = await Encoder.load(modelDir(name));
    for (const batch of batches) {
      const inputs = batch.texts ?? batch.pairs!;
      for (const method of ['cls', 'mean', 'max'] as const) {
        for (const layer of [0, 1, 2]) {
          // A tiny token budget forces several batches of different padded lengths.
          const ours = await encoder.embed(inputs, { pooling: method, layers: [layer], batchTokens: 1 });
          expect(maxAbsDiff(ours.data, referencePool(batch, layer, method).flat())).toBeLessThan(TOLERANCE);
        }
      }
      for (const layerPooling of ['cls', 'mean'] as const) {
        const ours = await encoder.embed(inputs, { pooling: 'layer-concat', layers: [-1, -2, -3], layerPooling });
        expect(ours.dim).toBe(96);
        const expected = batch.input_ids.map((_, r) => [2, 1, 0].flatMap((layer) => referencePool(batch, layer, layerPooling)[r]!));
        expect(maxAbsDiff(ours.data, expected.flat())).toBeLessThan(TOLERANCE);
      }
      const normalized = await encoder.embed(inputs, { pooling: 'mean', normalize: true });
      const expected = referencePool(batch, 2, 'mean').map((v) => {
        const norm = Math.hypot(...v);
        return v.map((x) => x / norm);
      });
      expect(maxAbsDiff(normalized.data, expected.flat())).toBeLessThan(TOLERANCE);
    }
    await encoder.release();
  });

  it('[CLS] pooling through the pruned last block (the cls shortcut) matches the reference and the full graph', async () => {
    const encoder = await Encoder.load(modelDir(name));
    const full = await Encoder.load(modelDir(name), { clsShortcut: false });
    expect(await encoder.usesClsShortcut()).toBe(true);
    expect(await full.usesClsShortcut()).toBe(false);
    for (const batch of batches) {
      const inputs = batch.texts ?? batch.pairs!;
      const expected = referencePool(batch, 2, 'cls').flat();
      const ours = await encoder.embed(inputs, { pooling: 'cls', batchTokens: 1 });
      expect(maxAbsDiff(ours.data, expected)).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(ours.data, (await full.embed(inputs, { pooling: 'cls' })).data)).toBeLessThan(1e-6);
      // Mixed with intermediate layers, which the shortcut leaves whole.
      const concat = await encoder.embed(inputs, { pooling: 'layer-concat', layers: [-1, 1], layerPooling: 'cls' });
      const both = batch.input_ids.map((_, r) => [2, 1].flatMap((layer) => referencePool(batch, layer, 'cls')[r]!));
      expect(maxAbsDiff(concat.data, both.flat())).toBeLessThan(TOLERANCE);
    }
    await encoder.release();
    await full.release();
  });

  it('token-level vectors carry the tokenizer offsets and word ids', async () => {
    const encoder = await Encoder.load(modelDir(name));
    const batch = batches[0]!;
    const out = await encoder.encodeTokens(batch.texts!, { layers: [-1, 1] });
    out.forEach((tokens, r) => {
      const n = tokens.ids.length;
      expect(tokens.dim).toBe(64);
      expect(tokens.offsets.length).toBe(n);
      expect(tokens.wordIds[0]).toBeNull();
      const expected = batch.hidden_states[2]![r]!.slice(0, n).map((v, p) => [...v, ...batch.hidden_states[1]![r]![p]!]);
      expect(maxAbsDiff(tokens.vectors, expected.flat())).toBeLessThan(TOLERANCE);
    });
    await encoder.release();
  });
});
