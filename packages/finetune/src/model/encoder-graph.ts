import type { GraphBuilder } from '../graph-builder.js';
import { gelu } from '../rules/activations.js';
import { attention } from '../rules/attention.js';
import { embeddingLookup } from '../rules/embedding.js';
import { layerNorm } from '../rules/layer-norm.js';
import { linear } from '../rules/linear.js';
import { attentionMaskBias } from '../rules/masked-softmax.js';
import type { Rule } from '../rules/rule.js';
import type { EncoderSpec, LayerNames } from './model-spec.js';
import { encoderNames } from './model-spec.js';

/** The graph output holding d(loss)/d(embedding sum) [B·T, H]; the session scatters it into the tables. */
export const EMBEDDING_GRAD = 'grad_embeddings';

export interface EncoderGraph {
  /** Last hidden state as rows [B·T, H]. */
  hidden: string;
  /** int64 [2]: B, T. */
  batchShape: string;
  /** Emits the whole backward from d(loss)/d(hidden) down to EMBEDDING_GRAD. */
  back(dHidden: string): void;
}

/**
 * Embeddings + post-LayerNorm transformer layers over graph inputs input_ids, attention_mask (and
 * token_type_ids for BERT), parameters read from graph inputs named as in Hugging Face checkpoints.
 * Dropout is omitted (eval-mode forward; the PyTorch reference runs with dropout off).
 */
export function encoderGraph(b: GraphBuilder, spec: EncoderSpec): EncoderGraph {
  const names = encoderNames(spec);
  const h = spec.hidden;
  const batchShape = b.op('Shape', ['input_ids']);
  const seqLen = b.op('Slice', [batchShape, b.ints([1]), b.ints([2])]);
  const rows = b.ints([-1, h]);
  let sum = b.add(embeddingLookup(b, names.word, 'input_ids'), b.op('Slice', [names.position, b.ints([0]), seqLen, b.ints([0])]));
  if (names.tokenType) sum = b.add(sum, embeddingLookup(b, names.tokenType, 'token_type_ids'));
  const embNorm = layerNorm(b, b.reshape(sum, rows), names.embeddingNorm[0], names.embeddingNorm[1], spec.layerNormEps);
  const shape = {
    splitShape: b.op('Concat', [batchShape, b.ints([spec.heads, h / spec.heads])], [{ name: 'axis', i: 0 }]),
    hidden: h,
    heads: spec.heads,
    maskBias: attentionMaskBias(b, 'attention_mask'),
  };
  const layers: Rule[] = [];
  let x = embNorm.y;
  for (let i = 0; i < spec.layers; i++) {
    const layer = postNormLayer(b, x, names.layer(i), shape, spec.layerNormEps);
    layers.push(layer);
    x = layer.y;
  }
  return {
    hidden: x,
    batchShape,
    back(dHidden) {
      let d = dHidden;
      for (let i = layers.length - 1; i >= 0; i--) d = layers[i]!.back(d);
      b.named(EMBEDDING_GRAD, 'Identity', [embNorm.back(d)]);
    },
  };
}

/** attention → +residual → LayerNorm → FFN (GELU) → +residual → LayerNorm, as BERT and DistilBERT. */
function postNormLayer(b: GraphBuilder, x: string, n: LayerNames, shape: Parameters<typeof attention>[4], eps: number): Rule {
  const q = linear(b, x, ...n.q);
  const k = linear(b, x, ...n.k);
  const v = linear(b, x, ...n.v);
  const att = attention(b, q.y, k.y, v.y, shape);
  const out = linear(b, att.y, ...n.out);
  const norm1 = layerNorm(b, b.add(out.y, x), ...n.attentionNorm, eps);
  const ffIn = linear(b, norm1.y, ...n.ffIn);
  const act = gelu(b, ffIn.y);
  const ffOut = linear(b, act.y, ...n.ffOut);
  const norm2 = layerNorm(b, b.add(ffOut.y, norm1.y), ...n.outputNorm, eps);
  return {
    y: norm2.y,
    back(dy) {
      const dSum2 = norm2.back(dy);
      const dNorm1 = b.add(ffIn.back(act.back(ffOut.back(dSum2))), dSum2);
      const dSum1 = norm1.back(dNorm1);
      const d = att.back(out.back(dSum1));
      return b.add(b.add(b.add(q.back(d.dq), k.back(d.dk)), v.back(d.dv)), dSum1);
    },
  };
}
