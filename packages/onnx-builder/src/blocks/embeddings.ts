import type { GraphContext } from './graph-context.js';
import { layerNorm } from './layer-norm.js';

export interface EmbeddingsSpec {
  /**
   * `range`: position i for token i (BERT). `padding-offset`: RoBERTa's create_position_ids_from_input_ids,
   * positions count only non-pad tokens and start at pad_token_id + 1, pad tokens keep pad_token_id.
   */
  positions: 'range' | 'padding-offset';
  /** `input`: a token_type_ids graph input; `zero`: row 0 for every token (no input); `none`: no table. */
  tokenTypes: 'input' | 'zero' | 'none';
  /** Checkpoint key of the Linear from embedding_size up to hidden (ALBERT, ELECTRA-small), or null. */
  projection: string | null;
}

/**
 * Word + position (+ token type) embeddings, LayerNorm, and the projection to hidden when the tables are
 * narrower. Returns hidden_states[0] as transformers counts it: the input of the first layer.
 */
export function embeddings(ctx: GraphContext, spec: EmbeddingsSpec): string {
  const { g, shape } = ctx;
  const E = shape.embeddingSize;
  const table = (key: string, rows: number) => ctx.weight(ctx.base(`embeddings.${key}.weight`), [rows, E]);
  const words = g.node('Gather', [table('word_embeddings', shape.vocab), 'input_ids'], '/embeddings/word_embeddings/Gather');
  let positionIds: string;
  if (spec.positions === 'range') {
    const seqLen = g.node('Gather', [g.node('Shape', ['input_ids'], '/embeddings/Shape'), g.int64Tensor([], [1])], '/embeddings/Gather_len', [{ name: 'axis', i: 0 }]);
    positionIds = g.node('Range', [g.int64Tensor([], [0]), seqLen, g.int64Tensor([], [1])], '/embeddings/Range');
  } else {
    const pad = g.int64Tensor([], [shape.padTokenId]);
    const notPad = g.node('Cast', [g.node('Not', [g.node('Equal', ['input_ids', pad], '/embeddings/Equal')], '/embeddings/Not')], '/embeddings/Cast', [{ name: 'to', i: 7 }]);
    const counted = g.node('CumSum', [notPad, g.int64Tensor([], [1])], '/embeddings/CumSum');
    positionIds = g.node('Add', [g.node('Mul', [counted, notPad], '/embeddings/Mul'), pad], '/embeddings/Add_pad');
  }
  const positions = g.node('Gather', [table('position_embeddings', shape.maxPositions), positionIds], '/embeddings/position_embeddings/Gather');
  let sum = g.node('Add', [words, positions], '/embeddings/Add');
  if (spec.tokenTypes !== 'none') {
    const ids = spec.tokenTypes === 'input' ? 'token_type_ids' : g.int64Tensor([], [0]);
    const types = g.node('Gather', [table('token_type_embeddings', shape.typeVocab), ids], '/embeddings/token_type_embeddings/Gather');
    sum = g.node('Add', [sum, types], '/embeddings/Add_1');
  }
  const normed = layerNorm(ctx, sum, ctx.base('embeddings.LayerNorm'), '/embeddings/LayerNorm/', E);
  if (spec.projection === null) return normed;
  // Inside the /embeddings/LayerNorm/ scope on purpose: @bertkit/encoder takes the last node of that scope
  // as hidden_states[0], which for these families is the projected output (the first layer's input).
  return ctx.linear(normed, spec.projection, shape.hidden, E, '/embeddings/LayerNorm/projection/');
}
