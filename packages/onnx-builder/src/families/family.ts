import type { GraphContext } from '../blocks/graph-context.js';
import type { HeadSpec } from '../blocks/heads.js';
import type { ConfigReader } from '../config-reader.js';
import type { ModelType, Task } from '../spec.js';
import type { EncoderShape } from '../spec.js';
import type { Renames } from '../tensor-source.js';

/**
 * One model family: how its config.json and checkpoint names map onto the shared blocks. Adding a family
 * is one file exporting a Family and one line in registry.ts.
 */
export interface Family {
  /** config.json model_type values read by this family. */
  modelTypes: readonly ModelType[];
  /** transformers' class name stem, for architectures: 'Bert' -> BertModel, BertForSequenceClassification. */
  className: string;
  /** Key prefix of the base model in checkpoints saved from a model with a head ('bert.'). */
  prefix: string;
  /** Legacy checkpoint names renamed on load, as transformers does. */
  renames: Renames;
  /** Whether the graph takes token_type_ids (the families optimum exports with them). */
  tokenTypeIds: boolean;
  shape(config: ConfigReader, modelType: ModelType): EncoderShape;
  /** The base model's tensors, unprefixed, with their checkpoint shapes (PyTorch Linear is [out, in]). */
  tensors(shape: EncoderShape): Record<string, number[]>;
  /** The encoder forward pass: hidden_states[0..layers] as transformers numbers them. */
  encode(ctx: GraphContext, mask: string): string[];
  heads: Partial<Record<Exclude<Task, 'base'>, HeadSpec>>;
  /** The base model's pooler (Linear + tanh on the first token), output as pooler_output when the checkpoint holds it. */
  pooler?: string;
  /** config.json fields of a model of this shape (random models), without architectures. */
  config(shape: EncoderShape): Record<string, unknown>;
}
