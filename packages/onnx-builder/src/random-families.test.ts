// Random models of every family: config.json read back gives the same shape, the converted graph agrees
// with the plain TypeScript forward pass at every layer, int8 quantization keeps features within cosine
// 0.99, and the tiny byte-level BPE tokenizer written for RoBERTa/MPNet loads in Hugging Face tokenizers.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowCosines } from '@bertkit/encoder';
import { Tokenizer as Oracle } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import type { RandomModelPreset } from './index.js';
import { ModelToolsError, SafetensorsFile, createRandomModel, quantizeModel, readEncoderShape } from './index.js';
import { maxDiff } from './testing/parity.js';
import { referenceForward } from './testing/reference-forward.js';
import { runGraph } from './testing/run-graph.js';
import { BERT_UNCASED } from './testing/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-random-families-'));

/** Mean over the non-pad positions of [rows, length, H]. */
function meanPool(x: Float32Array, mask: number[][], H: number): Float32Array {
  const rows = mask.length;
  const length = mask[0]!.length;
  const out = new Float32Array(rows * H);
  mask.forEach((m, r) => {
    const n = m.filter((v) => v === 1).length;
    for (let t = 0; t < length; t++) if (m[t] === 1) for (let j = 0; j < H; j++) out[r * H + j]! += x[(r * length + t) * H + j]! / n;
  });
  return out;
}

describe.each([
  ['bert-tiny', 'bert', true, {}],
  ['tiny', 'distilbert', false, {}],
  ['roberta-tiny', 'roberta', false, {}],
  ['albert-tiny', 'albert', true, { vocab: 30522 }],
  ['electra-tiny', 'electra', true, {}],
  ['mpnet-tiny', 'mpnet', false, {}],
] as const)('random %s', (preset, arch, tokenTypes, overrides) => {
  it('config round-trips, the graph matches the TypeScript forward pass, int8 stays within cosine 0.99', async () => {
    const bpe = arch === 'roberta' || arch === 'mpnet';
    const m = createRandomModel({ preset: preset as RandomModelPreset, output: join(tmp, preset), seed: 5, ...(bpe ? {} : { tokenizer: BERT_UNCASED }), ...overrides });
    expect(m.shape.arch).toBe(arch);
    expect(readEncoderShape(join(m.dir, 'config.json'))).toEqual(m.shape);
    const ids = [[bpe ? 0 : 101, 40, 41, 300, 77, 1000, 5, 9, bpe ? 2 : 102], [bpe ? 0 : 101, 60, 61, 62, bpe ? 2 : 102, bpe ? 1 : 0, bpe ? 1 : 0, bpe ? 1 : 0, bpe ? 1 : 0]];
    const mask = ids.map((row, r) => row.map((_, t) => (r === 1 && t > 4 ? 0 : 1)));
    const inputs = { input_ids: ids, attention_mask: mask, ...(tokenTypes ? { token_type_ids: ids.map((row) => row.map((_, t) => (t > 3 ? 1 : 0))) } : {}) };
    const onnx = join(m.dir, 'onnx', 'model.onnx');
    const fp32 = await runGraph(onnx, inputs, ['last_hidden_state']);
    const file = SafetensorsFile.open(join(m.dir, 'model.safetensors'));
    const expected = referenceForward(m.shape, file, '', ids[0]!, tokenTypes ? inputs.token_type_ids![0] : undefined);
    file.close();
    const H = m.shape.hidden;
    expect(maxDiff(fp32.last_hidden_state!.subarray(0, ids[0]!.length * H), Array.from(expected[m.shape.layers]!))).toBeLessThan(1e-5);

    const q = quantizeModel(m.dir);
    // Six weight MatMuls per layer (ALBERT's shared weights quantized once, read by each layer); the embedding
    // projection of ALBERT/ELECTRA stays float (it writes the residual stream; quantized, cosine fell to 0.98).
    expect(q.matmuls).toBe(m.shape.layers * 6);
    const int8 = await runGraph(q.output, inputs, ['last_hidden_state']);
    const cos = rowCosines(meanPool(fp32.last_hidden_state!, mask, H), meanPool(int8.last_hidden_state!, mask, H), H);
    expect(cos.min).toBeGreaterThan(0.999);
  });
});

describe('random model tokenizers', () => {
  it('the tiny byte-level BPE loads in Hugging Face tokenizers: <s> bytes </s>, ids inside the vocabulary', async () => {
    const m = createRandomModel({ preset: 'roberta-tiny', output: join(tmp, 'roberta-bpe'), seed: 1 });
    const oracle = Oracle.fromFile(join(m.dir, 'tokenizer.json'));
    const e = await oracle.encode('héllo world');
    const ids = e.getIds();
    // 'héllo world' is 12 UTF-8 bytes; no merges, so one token per byte, plus <s> and </s>.
    expect(ids).toHaveLength(14);
    expect([ids[0], ids[ids.length - 1]]).toEqual([0, 2]);
    expect(Math.max(...ids)).toBeLessThan(m.shape.vocab);
    expect(JSON.parse(readFileSync(join(m.dir, 'tokenizer_config.json'), 'utf8')).model_max_length).toBe(512);
  });

  it('a tokenizer with more ids than the model vocabulary is refused, naming both sizes', () => {
    let error: unknown;
    try {
      createRandomModel({ preset: 'albert-tiny', output: join(tmp, 'albert-small-vocab'), tokenizer: BERT_UNCASED });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelToolsError);
    expect((error as Error).message).toMatch(/30522 tokens but the model's vocab is 30000/);
  });
});
