import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { PreTokenizer } from './pre-tokenizer.js';
import { WordSpans } from './word-spans.js';

/** Runs pre-tokenizers in turn, each on every word the previous one produced. */
export class SequencePreTokenizer implements PreTokenizer {
  private readonly scratch: WordSpans[];

  constructor(readonly steps: readonly PreTokenizer[]) {
    this.scratch = steps.map(() => new WordSpans());
  }

  preTokenize(buffer: NormalizedBuffer, from: number, to: number, words: WordSpans): void {
    this.run(0, buffer, from, to, 0, words);
  }

  private run(step: number, buffer: NormalizedBuffer, from: number, to: number, prefix: number, out: WordSpans): void {
    if (step === this.steps.length) {
      out.push(from, to, prefix);
      return;
    }
    const spans = this.scratch[step] as WordSpans;
    spans.reset();
    (this.steps[step] as PreTokenizer).preTokenize(buffer, from, to, spans);
    if (prefix && spans.count > 0) spans.prefix[0] = 1;
    // Copy out before recursing: the next step reuses its own scratch only.
    const n = spans.count;
    const data = spans.data.slice(0, n * 2);
    const flags = spans.prefix.slice(0, n);
    for (let w = 0; w < n; w++) this.run(step + 1, buffer, data[w * 2] as number, data[w * 2 + 1] as number, flags[w] as number, out);
  }
}
