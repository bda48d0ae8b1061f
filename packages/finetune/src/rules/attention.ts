import type { GraphBuilder } from '../graph-builder.js';
import { dropout } from './dropout.js';
import { maskedSoftmax } from './masked-softmax.js';
import type { RelativeBias } from './relative-bias.js';

export interface AttentionShape {
  /** int64 [4]: B, T, heads, head size — for splitting key/value rows [N, H] into heads. */
  splitShape: string;
  /** The same for the query rows when they are fewer (B, 1, heads, head size: the first token only); default splitShape. */
  querySplitShape?: string;
  hidden: number;
  heads: number;
  /** [B, 1, 1, T] additive mask bias. */
  maskBias: string;
  /** Scalar graph input: dropout rate on the attention probabilities (absent: no dropout). */
  dropoutRate?: string;
  /** MPNet: a bias [1, heads, Tq, T] added to the scaled scores (before the mask), with its own backward. */
  positionBias?: RelativeBias;
}

export interface AttentionRule {
  y: string;
  back(dy: string): { dq: string; dk: string; dv: string };
}

/**
 * Scaled dot-product attention on rows q [Nq, H], k, v [N, H]: split heads, softmax(q kᵀ/√d + mask) v, merge
 * (Nq = N, or B when only each sequence's first token queries).
 * Backward: dP = dC vᵀ, dV = Pᵀ dC, dS = softmax'(dP)/√d, dQ = dS K, dK = dSᵀ Q, each merged back to rows.
 */
export function attention(b: GraphBuilder, q: string, k: string, v: string, shape: AttentionShape): AttentionRule {
  const scale = 1 / Math.sqrt(shape.hidden / shape.heads);
  const rows = b.ints([-1, shape.hidden]);
  const split = (x: string, splitShape = shape.splitShape) => b.transpose(b.reshape(x, splitShape), [0, 2, 1, 3]);
  const merge = (x: string) => b.reshape(b.transpose(x, [0, 2, 1, 3]), rows);
  const querySplit = shape.querySplitShape ?? shape.splitShape;
  const qh = split(q, querySplit);
  const kh = split(k);
  const vh = split(v);
  const scores = b.mul(b.op('MatMul', [qh, b.transpose(kh, [0, 1, 3, 2])]), b.float(scale));
  const probs = maskedSoftmax(b, shape.positionBias ? b.add(scores, shape.positionBias.y) : scores, shape.maskBias);
  const dropped = shape.dropoutRate ? dropout(b, probs.y, shape.dropoutRate, b.nextSeed()) : null;
  const used = dropped ? dropped.y : probs.y;
  const y = merge(b.op('MatMul', [used, vh]));
  return {
    y,
    back(dy) {
      const dc = split(dy, querySplit);
      const dv = b.op('MatMul', [b.transpose(used, [0, 1, 3, 2]), dc]);
      const dUsed = b.op('MatMul', [dc, b.transpose(vh, [0, 1, 3, 2])]);
      const dp = dropped ? dropped.back(dUsed) : dUsed;
      const dScores = probs.back(dp);
      shape.positionBias?.back(dScores);
      const ds = b.mul(dScores, b.float(scale));
      const dq = b.op('MatMul', [ds, kh]);
      const dk = b.op('MatMul', [b.transpose(ds, [0, 1, 3, 2]), qh]);
      return { dq: merge(dq), dk: merge(dk), dv: merge(dv) };
    },
  };
}
