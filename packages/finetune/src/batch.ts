import { FinetuneError } from './errors.js';

/**
 * A padded batch, row-major [batch, sequence]. Targets by task: sequence classification `labels` [B]
 * (single label) or `floatLabels` [B, labels] (multi-label 0/1, regression; [B] for one label); token
 * classification and masked LM `labels` [B·T] with -100 where ignored; QA `startPositions` /
 * `endPositions` [B] (`labels` empty).
 */
export interface TrainBatch {
  batchSize: number;
  seqLength: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds?: BigInt64Array;
  labels: BigInt64Array;
  floatLabels?: Float32Array;
  startPositions?: BigInt64Array;
  endPositions?: BigInt64Array;
  /** Masked LM, whole-word masking: 1 where a token continues the previous one's word (TrainExample.wordContinuations) [B·T]. */
  wordContinuations?: Uint8Array;
}

/** Rows as Hugging Face's collators give them (number[][] per field; labels number[] or number[][]). */
export interface BatchRows {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  labels?: number[] | number[][];
  start_positions?: number[];
  end_positions?: number[];
}

/** A batch from collator rows; float `labels` (regression, multi-label) go to floatLabels. */
export function batchFromRows(rows: BatchRows): TrainBatch {
  const batchSize = rows.input_ids.length;
  const seqLength = rows.input_ids[0]?.length ?? 0;
  const flat = (field: string, m: number[][]): BigInt64Array => {
    if (m.length !== batchSize || m.some((r) => r.length !== seqLength)) {
      throw new FinetuneError('E_SHAPE', `batch ${field}: expected ${batchSize} rows of ${seqLength}`);
    }
    return BigInt64Array.from(m.flat(), BigInt);
  };
  const labels = rows.labels ?? [];
  const values = (labels as Array<number | number[]>).flat();
  const integral = values.every(Number.isInteger);
  const batch: TrainBatch = {
    batchSize,
    seqLength,
    inputIds: flat('input_ids', rows.input_ids),
    attentionMask: flat('attention_mask', rows.attention_mask),
    ...(rows.token_type_ids ? { tokenTypeIds: flat('token_type_ids', rows.token_type_ids) } : {}),
    labels: integral ? BigInt64Array.from(values, BigInt) : new BigInt64Array(0),
  };
  if (labels.length > 0) batch.floatLabels = Float32Array.from(values);
  if (rows.start_positions) batch.startPositions = BigInt64Array.from(rows.start_positions, BigInt);
  if (rows.end_positions) batch.endPositions = BigInt64Array.from(rows.end_positions, BigInt);
  return batch;
}
