// The graph built from a checkpoint's safetensors must reproduce the independent PyTorch reference at
// every layer, and load through @bertkit/encoder like a Hugging Face export (intermediate layers included).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Encoder } from '@bertkit/encoder';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile, buildEncoderGraph } from './index.js';

function findShared(): string {
  if (process.env.BERTKIT_SHARED) return resolve(process.env.BERTKIT_SHARED);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8 && !existsSync(join(dir, 'shared', 'models')); i++) dir = dirname(dir);
  return join(dir, 'shared');
}

describe.each([
  ['tiny-random-distilbert', 'distilbert', 'distilbert.'],
  ['tiny-random-bert', 'bert', ''],
] as const)('%s', (model, arch, prefix) => {
  it('every hidden state within 1e-5 of the PyTorch reference, through Encoder.load', async () => {
    const source = join(findShared(), 'models', model);
    const dir = join(mkdtempSync(join(tmpdir(), 'bertkit-built-')), model);
    cpSync(source, dir, { recursive: true });
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const weights = SafetensorsFile.open(join(dir, 'model.safetensors'));
    const bytes = buildEncoderGraph(
      {
        arch,
        hidden: c.hidden_size ?? c.dim,
        layers: c.num_hidden_layers ?? c.n_layers,
        heads: c.num_attention_heads ?? c.n_heads,
        intermediate: c.intermediate_size ?? c.hidden_dim,
        vocab: c.vocab_size,
        maxPositions: c.max_position_embeddings,
        typeVocab: c.type_vocab_size ?? 0,
        layerNormEps: c.layer_norm_eps ?? 1e-12,
      },
      weights,
      prefix,
    );
    weights.close();
    // Replace the exporter's graph with ours: nothing of the original ONNX file is used.
    rmSync(join(dir, 'onnx', 'model.onnx'));
    writeFileSync(join(dir, 'onnx', 'model.onnx'), bytes);
    const encoder = await Encoder.load(dir);
    const reference = JSON.parse(readFileSync(join(source, 'reference.json'), 'utf8'));
    let compared = 0;
    for (const batch of reference) {
      const states = await encoder.forward({
        inputIds: Int32Array.from(batch.input_ids.flat()),
        attentionMask: Int32Array.from(batch.attention_mask.flat()),
        tokenTypeIds: Int32Array.from(batch.token_type_ids.flat()),
        rows: batch.input_ids.length,
        length: batch.input_ids[0].length,
      });
      states.forEach((state, layer) => {
        const expected = batch.hidden_states[layer].flat(2) as number[];
        expect(state.length).toBe(expected.length);
        let max = 0;
        for (let k = 0; k < expected.length; k++) max = Math.max(max, Math.abs(state[k]! - expected[k]!));
        expect(max).toBeLessThan(1e-5);
        compared++;
      });
    }
    expect(compared).toBe(reference.length * 3);
    await encoder.release();
  });
});
