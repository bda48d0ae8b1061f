import { SeededRandom } from '@bertkit/onnx-builder';
import type { TrainBatch } from '../batch.js';
import { FinetuneError } from '../errors.js';

export interface MaskOptions {
  vocabSize: number;
  /** Default 103 ([MASK] in the uncased BERT vocabulary). */
  maskTokenId?: number;
  /** Ids never masked (CLS, SEP, PAD, ...); padding (attention 0) is never masked either. */
  specialIds: Iterable<number>;
  /** Default 0.15 (DataCollatorForLanguageModeling's mlm_probability). */
  probability?: number;
  /** Default 42. */
  seed?: number;
  /**
   * Whole-word masking: a token for which this is true continues the previous word (WordPiece "##"); the
   * batch's `wordContinuations` flags (a Chinese word reference) mark continuations too, read only here, as
   * transformers' whole-word collator reads `chinese_ref`.
   */
  isContinuation?: (id: number) => boolean;
}

/**
 * The masked-LM collation of transformers' DataCollatorForLanguageModeling: each eligible token (or
 * whole word) is selected with `probability`; a selected token becomes [MASK] 80% of the time, a uniformly
 * random id 10%, stays 10%; labels keep the original id there and -100 elsewhere. Returns a new batch.
 * Whole words are drawn per word with the same probability (not the Whole-Word collator's exact budget).
 */
export function maskTokens(batch: TrainBatch, options: MaskOptions): TrainBatch {
  const { vocabSize, maskTokenId = 103, probability = 0.15, isContinuation } = options;
  if (!(probability > 0 && probability < 1)) throw new FinetuneError('E_INVALID_OPTION', `probability must be in (0, 1), got ${probability}`);
  const special = new Set(options.specialIds);
  const rng = new SeededRandom(options.seed ?? 42);
  const n = batch.inputIds.length;
  const inputIds = batch.inputIds.slice();
  const labels = new BigInt64Array(n).fill(-100n);
  const eligible = (i: number) => batch.attentionMask[i] !== 0n && !special.has(Number(batch.inputIds[i]));
  let selected = false;
  for (let i = 0; i < n; i++) {
    if (!eligible(i)) {
      selected = false;
      continue;
    }
    const continues = isContinuation !== undefined && i % batch.seqLength !== 0 && (isContinuation(Number(batch.inputIds[i])) || batch.wordContinuations?.[i] === 1);
    if (!continues) selected = rng.uniform() < probability;
    if (!selected) continue;
    labels[i] = batch.inputIds[i]!;
    const r = rng.uniform();
    if (r < 0.8) inputIds[i] = BigInt(maskTokenId);
    else if (r < 0.9) inputIds[i] = BigInt(Math.floor(rng.uniform() * vocabSize));
  }
  return { ...batch, inputIds, labels };
}
