// A RoBERTa-family model through whatever class loadTokenizer returns for its BPE tokenizer.json (the
// @huggingface/tokenizers fallback without offsets, or a BPE class with them). Oracle: reference.json
// hidden states (PyTorch) of roberta-tiny, on the graph converted from its checkpoint.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder, EncoderError, maxAbsDiff } from '@bertkit/encoder';
import { convertCheckpoint } from '@bertkit/onnx-builder';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED } from './testing/paths.js';

interface Reference {
  texts?: string[];
  pairs?: Array<[string, string]>;
  input_ids: number[][];
  attention_mask: number[][];
  hidden_states: number[][][][];
}

const work = mkdtempSync(join(tmpdir(), 'bertkit-roberta-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const dir = join(work, 'roberta-tiny');
cpSync(join(SHARED, 'models', 'roberta-tiny'), dir, { recursive: true });
convertCheckpoint(dir);
const batches = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference[];

describe('roberta-tiny', () => {
  it('max length 514 - padding_idx 1 - 1 = 512; mean and cls pooling equals the reference within 1e-4', async () => {
    const encoder = await Encoder.load(dir);
    expect(encoder.maxLength).toBe(512);
    let compared = 0;
    for (const batch of batches) {
      if (!batch.texts) continue;
      // Several rows per batch, right-padded: padding must not reach the real tokens' vectors.
      const ours = await encoder.embed(batch.texts, { pooling: 'mean' });
      const expected = batch.input_ids.map((_, r) => {
        const kept = batch.hidden_states[2]![r]!.filter((_, p) => batch.attention_mask[r]![p] === 1);
        return Array.from({ length: 32 }, (_, d) => kept.reduce((s, v) => s + v[d]!, 0) / kept.length);
      });
      expect(maxAbsDiff(ours.data, expected.flat())).toBeLessThan(1e-4);
      const cls = await encoder.embed(batch.texts, { pooling: 'cls' });
      expect(maxAbsDiff(cls.data, batch.input_ids.flatMap((_, r) => batch.hidden_states[2]![r]![0]!))).toBeLessThan(1e-4);
      compared += batch.texts.length;
    }
    expect(compared).toBe(9);
    await encoder.release();
  });

  it('long inputs are cut to 512 tokens; token-level results need offsets', async () => {
    const encoder = await Encoder.load(dir);
    const long = 'word '.repeat(700);
    const e = await encoder.embed([long, 'short'], { pooling: 'mean' });
    expect(e.longInputs).toBe(1);
    expect(e.data.every(Number.isFinite)).toBe(true);
    const offsets = !('unavailable' in encoder.tokenizer);
    if (offsets) {
      const [tokens] = await encoder.encodeTokens([batches[0]!.texts![0]!]);
      const n = tokens!.ids.length;
      expect(tokens!.ids).toEqual(batches[0]!.input_ids[0]!.slice(0, n));
      expect(maxAbsDiff(tokens!.vectors, batches[0]!.hidden_states[2]![0]!.slice(0, n).flat())).toBeLessThan(1e-4);
    } else {
      const error = await encoder.encodeTokens(['x']).catch((x: unknown) => x);
      expect(error).toBeInstanceOf(EncoderError);
      expect(error).toMatchObject({ code: 'E_TOKENIZER_LIMITS', message: expect.stringMatching(/offsets are unavailable for this tokenizer/) });
    }
    await encoder.release();
  });
});
