import { describe, expect, it } from 'vitest';
import { padBatch } from './length-grouped.js';
import { maskTokens } from './mlm-collator.js';

const rows = 200;
const seq = 50;
const ids = BigInt64Array.from({ length: rows * seq }, (_, i) => (i % seq === 0 ? 101n : i % seq === seq - 1 ? 102n : BigInt(1000 + (i % 997))));
const attention = BigInt64Array.from({ length: rows * seq }, (_, i) => (i % seq < seq - 5 || i % seq === seq - 1 ? 1n : 0n));
const batch = { batchSize: rows, seqLength: seq, inputIds: ids, attentionMask: attention, labels: new BigInt64Array(rows) };

describe('maskTokens (DataCollatorForLanguageModeling)', () => {
  it('selects ~15% of eligible tokens, 80/10/10, never specials or padding, seeded', () => {
    const out = maskTokens(batch, { vocabSize: 30522, specialIds: [101, 102, 0] });
    let eligible = 0;
    let chosen = 0;
    let masked = 0;
    let kept = 0;
    for (let i = 0; i < ids.length; i++) {
      const ok = attention[i] === 1n && ids[i] !== 101n && ids[i] !== 102n;
      if (ok) eligible++;
      if (out.labels[i] === -100n) {
        expect(out.inputIds[i]).toBe(ids[i]);
        continue;
      }
      expect(ok).toBe(true);
      expect(out.labels[i]).toBe(ids[i]);
      chosen++;
      if (out.inputIds[i] === 103n) masked++;
      else if (out.inputIds[i] === ids[i]) kept++;
    }
    expect(chosen / eligible).toBeGreaterThan(0.14);
    expect(chosen / eligible).toBeLessThan(0.16);
    expect(masked / chosen).toBeGreaterThan(0.77);
    expect(masked / chosen).toBeLessThan(0.83);
    expect(kept / chosen).toBeGreaterThan(0.08);
    expect(kept / chosen).toBeLessThan(0.12);
    expect(maskTokens(batch, { vocabSize: 30522, specialIds: [101, 102, 0] }).inputIds).toEqual(out.inputIds);
    expect(maskTokens(batch, { vocabSize: 30522, specialIds: [101, 102, 0], seed: 1 }).inputIds).not.toEqual(out.inputIds);
  });

  it('whole-word masking takes a word with all its continuation pieces', () => {
    const continuation = (id: number) => id % 3 === 0; // stand-in for "##" pieces
    const out = maskTokens(batch, { vocabSize: 30522, specialIds: [101, 102, 0], isContinuation: continuation });
    for (let i = 1; i < ids.length; i++) {
      if (i % seq === 0 || attention[i] === 0n || ids[i] === 102n) continue;
      if (continuation(Number(ids[i])) && attention[i - 1] === 1n && ids[i - 1] !== 101n) {
        expect(out.labels[i] !== -100n, `position ${i}`).toBe(out.labels[i - 1] !== -100n);
      }
    }
    expect(() => maskTokens(batch, { vocabSize: 10, specialIds: [], probability: 1.5 })).toThrow(/probability/);
  });

  it('a Chinese word reference (padBatch of wordContinuations) groups single-character tokens into words, only with whole-word masking', () => {
    // Chinese text tokenizes to one token per character (no "##"); the reference marks each word's later characters.
    const sentence = Array.from({ length: 40 }, (_, i) => 2000 + i);
    const words = [[1, 2], [3, 4, 5], [6], [7, 8, 9, 10], [11, 12]]; // positions after [CLS], repeated below
    const continuations = Array.from({ length: 38 }, (_, i) => i + 1).filter((t) => (t - 1) % 13 !== 0 && words.some((w) => w.slice(1).includes(((t - 1) % 13) + 1)));
    const examples = Array.from({ length: 300 }, () => ({ ids: [101, ...sentence.slice(0, 38), 102], wordContinuations: continuations }));
    const chinese = padBatch(examples, 'masked-lm');
    expect(chinese.wordContinuations!.reduce((a, b) => a + b, 0)).toBe(300 * continuations.length);
    const noPieces = () => false;
    const out = maskTokens(chinese, { vocabSize: 21128, specialIds: [101, 102, 0], isContinuation: noPieces, seed: 3 });
    let grouped = 0;
    for (let r = 0; r < 300; r++) {
      for (const t of continuations) {
        const i = r * chinese.seqLength + t;
        expect(out.labels[i] !== -100n, `row ${r} position ${t}`).toBe(out.labels[i - 1] !== -100n);
        if (out.labels[i] !== -100n) grouped++;
      }
    }
    expect(grouped).toBeGreaterThan(300);
    // Without whole-word masking the reference is not read: some word is split.
    const plain = maskTokens(chinese, { vocabSize: 21128, specialIds: [101, 102, 0], seed: 3 });
    const split = continuations.some((t) => Array.from({ length: 300 }, (_, r) => r * chinese.seqLength + t).some((i) => (plain.labels[i] !== -100n) !== (plain.labels[i - 1] !== -100n)));
    expect(split).toBe(true);
  });
});
