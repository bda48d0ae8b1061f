import { attentionMask } from './blocks/attention.js';
import type { WeightSource } from './blocks/graph-context.js';
import { GraphContext } from './blocks/graph-context.js';
import { pooler } from './blocks/heads.js';
import { ModelToolsError } from './errors.js';
import { familyOf } from './families/registry.js';
import type { EncoderShape, Task } from './spec.js';

export interface BuildOptions {
  /** Also output every hidden state as `hidden_states.0` (embeddings) .. `hidden_states.L`, like output_hidden_states. */
  hiddenStates?: boolean;
  /** The head to add (default the encoder alone) and its number of labels (read from the checkpoint). */
  task?: Task;
  labels?: number;
  /** Checkpoint key of the base model's pooler Linear, to output `pooler_output`; none by default. */
  pooler?: string;
}

/** Graph metadata key holding the longest input in tokens the position table allows. */
export const MAX_LENGTH_METADATA = 'bertkit.max_length';

/**
 * The family's forward pass as an opset-17 ONNX graph with Hugging Face export names and interface:
 * inputs input_ids, attention_mask (+ token_type_ids where optimum exports them), output
 * last_hidden_state, and the head's outputs (`logits`, or `start_logits` and `end_logits`).
 */
export function buildEncoderGraph(shape: EncoderShape, weights: WeightSource, prefix: string, options: BuildOptions = {}): Uint8Array {
  const family = familyOf(shape.arch);
  if (!family) throw new ModelToolsError('E_UNKNOWN_MODEL_TYPE', `model_type ${JSON.stringify(shape.arch)} is not supported`);
  const ctx = new GraphContext(shape, weights, prefix);
  const g = ctx.g;
  g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  if (family.tokenTypeIds) g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);
  const states = family.encode(ctx, attentionMask(ctx));
  const last = states[states.length - 1] as string;
  const H = shape.hidden;
  // last_hidden_state stays an output beside the head's: the same file then serves @bertkit/encoder
  // (embeddings, intermediate layers, token vectors) and the fine-tuned head, with no second conversion.
  g.output('last_hidden_state', ['batch_size', 'sequence_length', H]);
  g.nodeNamed('Identity', [last], 'last_hidden_state', '/Identity_last_hidden_state');
  const task = options.task ?? 'base';
  if (task !== 'base') {
    const head = family.heads[task];
    if (!head) throw new ModelToolsError('E_UNSUPPORTED', `${shape.arch} has no ${task} head in the builder`);
    for (const out of head.build(ctx, last, options.labels ?? 0)) {
      g.output(out.name, out.dims);
      g.nodeNamed('Identity', [out.tensor], out.name, `/Identity_${out.name}`);
    }
  }
  if (options.pooler !== undefined) {
    const out = pooler(ctx, last, options.pooler);
    g.output(out.name, out.dims);
    g.nodeNamed('Identity', [out.tensor], out.name, `/Identity_${out.name}`);
  }
  if (options.hiddenStates) {
    states.forEach((state, i) => {
      g.output(`hidden_states.${i}`, ['batch_size', 'sequence_length', H]);
      g.nodeNamed('Identity', [state], `hidden_states.${i}`, `/Identity_hidden_states.${i}`);
    });
  }
  g.meta(MAX_LENGTH_METADATA, String(shape.maxLength));
  g.meta('bertkit.model_type', shape.arch);
  g.meta('bertkit.task', task);
  return g.encode(17, 'bertkit-onnx-builder');
}
