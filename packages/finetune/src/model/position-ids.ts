import type { GraphBuilder } from '../graph-builder.js';
import type { EncoderSpec } from './model-spec.js';
import { padOffsetPositions } from './model-spec.js';

/**
 * RoBERTa's position ids (transformers' create_position_ids_from_input_ids): the running count of
 * non-pad tokens, offset by padding_idx, so real tokens start at pad + 1 and pad tokens keep pad.
 * In-graph version over int64 ids [B, T].
 */
export function robertaPositionIds(b: GraphBuilder, ids: string, pad: number): string {
  const real = b.op('Cast', [b.op('Not', [b.op('Equal', [ids, b.int(pad)])])], [{ name: 'to', i: 7 }]);
  return b.add(b.mul(b.op('CumSum', [real, b.int(1)]), real), b.int(pad));
}

/** The same ids in JS (the position table's scatter-add backward), or null when positions are 0..T-1. */
export function positionIdsOf(spec: EncoderSpec, inputIds: BigInt64Array, batchSize: number, seqLength: number): Int32Array | null {
  if (!padOffsetPositions(spec)) return null;
  const pad = BigInt(spec.padTokenId ?? 1);
  const out = new Int32Array(batchSize * seqLength);
  for (let r = 0; r < batchSize; r++) {
    let count = 0;
    for (let t = 0; t < seqLength; t++) {
      const i = r * seqLength + t;
      if (inputIds[i] === pad) out[i] = Number(pad);
      else out[i] = Number(pad) + ++count;
    }
  }
  return out;
}

/** The longest row the position table allows (RoBERTa loses pad + 1 rows to its offset). */
export function maxSequenceLength(spec: EncoderSpec): number {
  return padOffsetPositions(spec) ? spec.maxPositions - (spec.padTokenId ?? 1) - 1 : spec.maxPositions;
}
