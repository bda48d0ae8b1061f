import type { GraphBuilder } from '../graph-builder.js';
import { activation } from '../rules/activations.js';
import { attention } from '../rules/attention.js';
import type { AttentionShape } from '../rules/attention.js';
import { firstToken } from '../rules/first-token.js';
import { embeddingLookup } from '../rules/embedding.js';
import { layerNorm } from '../rules/layer-norm.js';
import { linear } from '../rules/linear.js';
import { dropout } from '../rules/dropout.js';
import { attentionMaskBias } from '../rules/masked-softmax.js';
import { relativeBias, relativeBuckets } from '../rules/relative-bias.js';
import type { Rule } from '../rules/rule.js';
import type { EncoderSpec, LayerNames } from './model-spec.js';
import { embeddingWidth, encoderNames, padOffsetPositions } from './model-spec.js';
import { robertaPositionIds } from './position-ids.js';

/** Scalar float graph inputs: the dropout rates (0 for an eval-mode pass). */
export const HIDDEN_DROPOUT = 'hidden_dropout';
export const ATTENTION_DROPOUT = 'attention_dropout';

/** The graph output holding d(loss)/d(embedding sum) [B·T, E] (E: the embedding width); the session scatters it into the tables. */
export const EMBEDDING_GRAD = 'grad_embeddings';

export interface EncoderOptions {
  /**
   * The last layer computes only each sequence's first token (queries, attention output, FFN), keys and
   * values still over every token: all a sequence-classification head reads, with the same gradients
   * for ~10/12 of one layer's FLOPs less.
   */
  firstTokenOnly?: boolean;
}

export interface EncoderGraph {
  /** Last hidden state as rows [B·T, H], or [B, H] (token 0 of each sequence) when firstTokenOnly. */
  hidden: string;
  firstTokenOnly: boolean;
  /** int64 [2]: B, T. */
  batchShape: string;
  /** Emits the whole backward from d(loss)/d(hidden) down to EMBEDDING_GRAD. */
  back(dHidden: string): void;
}

/**
 * Embeddings + post-LayerNorm transformer layers over graph inputs input_ids, attention_mask (and
 * token_type_ids for BERT), parameters read from graph inputs named as in Hugging Face checkpoints.
 * Dropout where transformers applies it, at the rates fed as HIDDEN_DROPOUT / ATTENTION_DROPOUT.
 */
export function encoderGraph(b: GraphBuilder, spec: EncoderSpec, options: EncoderOptions = {}): EncoderGraph {
  const firstTokenOnly = options.firstTokenOnly ?? false;
  const names = encoderNames(spec);
  const h = spec.hidden;
  const batchShape = b.op('Shape', ['input_ids']);
  const seqLen = b.op('Slice', [batchShape, b.ints([1]), b.ints([2])]);
  const rows = b.ints([-1, embeddingWidth(spec)]);
  // RoBERTa and MPNet number positions from pad + 1 over the non-pad tokens (model/position-ids.ts).
  const positions = padOffsetPositions(spec) ? embeddingLookup(b, names.position, robertaPositionIds(b, 'input_ids', spec.padTokenId ?? 1)) : b.op('Slice', [names.position, b.ints([0]), seqLen, b.ints([0])]);
  let sum = b.add(embeddingLookup(b, names.word, 'input_ids'), positions);
  if (names.tokenType) sum = b.add(sum, embeddingLookup(b, names.tokenType, 'token_type_ids'));
  const embNorm = layerNorm(b, b.reshape(sum, rows), names.embeddingNorm[0], names.embeddingNorm[1], spec.layerNormEps);
  const embDrop = dropout(b, embNorm.y, HIDDEN_DROPOUT, b.nextSeed());
  // ELECTRA / ALBERT: narrower embeddings projected up to hidden (after their dropout, as transformers).
  const projection = names.projection ? linear(b, embDrop.y, ...names.projection) : null;
  // MPNet: one relative position bias for every layer's scores (the first-token layer reads its first row).
  const buckets = names.relativeBias ? relativeBuckets(b, b.op('Gather', [batchShape, b.int(1)], [{ name: 'axis', i: 0 }]), spec.maxPositions) : null;
  const biasShape = { rows: spec.relativeBuckets ?? 32, heads: spec.heads };
  const shape = {
    ...(buckets ? { positionBias: relativeBias(b, names.relativeBias!, buckets, biasShape) } : {}),
    splitShape: b.op('Concat', [batchShape, b.ints([spec.heads, h / spec.heads])], [{ name: 'axis', i: 0 }]),
    hidden: h,
    heads: spec.heads,
    maskBias: attentionMaskBias(b, 'attention_mask'),
    dropoutRate: ATTENTION_DROPOUT,
  };
  // BERT (and RoBERTa) drop the attention output before its residual; DistilBERT does not.
  const dropAttentionOutput = spec.modelType !== 'distilbert';
  const layers: Rule[] = [];
  let x = projection ? projection.y : embDrop.y;
  for (let i = 0; i < spec.layers; i++) {
    const last = i === spec.layers - 1 && firstTokenOnly;
    const firstRowBias = last && buckets ? { positionBias: relativeBias(b, names.relativeBias!, b.op('Slice', [buckets, b.ints([0]), b.ints([1]), b.ints([0])]), biasShape) } : {};
    const layerShape = last ? { ...shape, ...firstRowBias, querySplitShape: b.op('Concat', [b.op('Slice', [batchShape, b.ints([0]), b.ints([1])]), b.ints([1, spec.heads, h / spec.heads])], [{ name: 'axis', i: 0 }]) } : shape;
    const layer = postNormLayer(b, x, names.layer(i), layerShape, spec, dropAttentionOutput, last ? firstToken(b, x, batchShape, h) : null);
    layers.push(layer);
    x = layer.y;
  }
  return {
    hidden: x,
    firstTokenOnly,
    batchShape,
    back(dHidden) {
      let d = dHidden;
      for (let i = layers.length - 1; i >= 0; i--) d = layers[i]!.back(d);
      if (projection) d = projection.back(d);
      b.named(EMBEDDING_GRAD, 'Identity', [embNorm.back(embDrop.back(d))]);
    },
  };
}

/**
 * attention → +residual → LayerNorm → FFN (GELU) → +residual → LayerNorm, as BERT, DistilBERT and ALBERT. With
 * `queryRows` (a row selection of x) only those rows query and go on; keys and values use every row.
 */
function postNormLayer(b: GraphBuilder, x: string, n: LayerNames, shape: AttentionShape, spec: EncoderSpec, dropAttentionOutput: boolean, queryRows: Rule | null): Rule {
  const eps = spec.layerNormEps;
  const xq = queryRows ? queryRows.y : x;
  const q = linear(b, xq, ...n.q);
  const k = linear(b, x, ...n.k);
  const v = linear(b, x, ...n.v);
  const att = attention(b, q.y, k.y, v.y, shape);
  const out = linear(b, att.y, ...n.out);
  const outDrop = dropAttentionOutput ? dropout(b, out.y, HIDDEN_DROPOUT, b.nextSeed()) : null;
  const norm1 = layerNorm(b, b.add(outDrop ? outDrop.y : out.y, xq), ...n.attentionNorm, eps);
  const ffIn = linear(b, norm1.y, ...n.ffIn);
  const act = activation(b, ffIn.y, spec.activation);
  const ffOut = linear(b, act.y, ...n.ffOut);
  const ffDrop = dropout(b, ffOut.y, HIDDEN_DROPOUT, b.nextSeed());
  const norm2 = layerNorm(b, b.add(ffDrop.y, norm1.y), ...n.outputNorm, eps);
  return {
    y: norm2.y,
    back(dy) {
      const dSum2 = norm2.back(dy);
      const dNorm1 = b.add(ffIn.back(act.back(ffOut.back(ffDrop.back(dSum2)))), dSum2);
      const dSum1 = norm1.back(dNorm1);
      const d = att.back(out.back(outDrop ? outDrop.back(dSum1) : dSum1));
      const dQueryRows = b.add(q.back(d.dq), dSum1);
      return b.add(b.add(k.back(d.dk), v.back(d.dv)), queryRows ? queryRows.back(dQueryRows) : dQueryRows);
    },
  };
}
