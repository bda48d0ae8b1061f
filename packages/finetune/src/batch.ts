import { FinetuneError } from './errors.js';

/** A padded batch, row-major [batch, sequence]. For masked LM, labels are [batch, sequence] with -100 off the masked tokens. */
export interface TrainBatch {
  batchSize: number;
  seqLength: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds?: BigInt64Array;
  labels: BigInt64Array;
}

/** Rows as Hugging Face's collators give them (number[][] per field; labels number[] or number[][]). */
export interface BatchRows {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  labels: number[] | number[][];
}

export function batchFromRows(rows: BatchRows): TrainBatch {
  const batchSize = rows.input_ids.length;
  const seqLength = rows.input_ids[0]?.length ?? 0;
  const flat = (field: string, m: number[][]): BigInt64Array => {
    if (m.length !== batchSize || m.some((r) => r.length !== seqLength)) {
      throw new FinetuneError('E_SHAPE', `batch ${field}: expected ${batchSize} rows of ${seqLength}`);
    }
    return BigInt64Array.from(m.flat(), BigInt);
  };
  const labels = rows.labels;
  return {
    batchSize,
    seqLength,
    inputIds: flat('input_ids', rows.input_ids),
    attentionMask: flat('attention_mask', rows.attention_mask),
    ...(rows.token_type_ids ? { tokenTypeIds: flat('token_type_ids', rows.token_type_ids) } : {}),
    labels: Array.isArray(labels[0]) ? flat('labels', labels as number[][]) : BigInt64Array.from(labels as number[], BigInt),
  };
}
