/** The `model_type` values the builder converts (config.json), one family file each under families/. */
export type ModelType = 'bert' | 'distilbert' | 'roberta' | 'xlm-roberta' | 'camembert' | 'albert' | 'electra' | 'mpnet';

/** The transformer activation of the feed-forward: exact erf GELU, or the tanh approximation (`gelu_new`). */
export type Activation = 'gelu' | 'gelu_new';

/** What the graph builder needs from config.json, in one vocabulary for every family. */
export interface EncoderShape {
  arch: ModelType;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  /** Rows of the token type table; 0 when the family takes no token_type_ids. */
  typeVocab: number;
  layerNormEps: number;
  /** Width of the embedding tables: hidden, or smaller when projected up (ALBERT, ELECTRA-small). */
  embeddingSize: number;
  activation: Activation;
  padTokenId: number;
  /** ALBERT's num_hidden_groups (layers share the weights of their group); 1 for the others. */
  hiddenGroups: number;
  /** MPNet's relative_attention_num_buckets; 0 for families without relative position bias. */
  relativeBuckets: number;
  /**
   * The longest input in tokens, special tokens included, that the position table allows: RoBERTa-style
   * position ids start at padding_idx + 1, so 514 positions hold 512 tokens.
   */
  maxLength: number;
}

/**
 * The head converted with the encoder; `base` is the encoder alone. `replaced-token-detection` is ELECTRA's
 * discriminator (ElectraForPreTraining), the only pre-training head whose output is useful as is.
 */
export type Task = 'base' | 'sequence-classification' | 'token-classification' | 'question-answering' | 'replaced-token-detection';
export const TASKS: readonly Task[] = ['base', 'sequence-classification', 'token-classification', 'question-answering', 'replaced-token-detection'];
