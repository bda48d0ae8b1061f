import { Encoder, TaskModel } from '@bertkit/encoder';
import { CliError } from '../cli-error.js';
import { resolveModel } from '../model-ref.js';
import type { Batcher } from './batcher.js';
import type { ServedModel } from './server.js';

const code = (e: unknown) => (e as { code?: unknown })?.code;

/**
 * `serve --model`: a model directory or Hub id as it ships. A graph with logits (or start/end logits)
 * predicts with its own head and id2label; a graph with last_hidden_state embeds (sentence-transformers
 * settings included) and gets a batcher. Converted Hub task models have both; optimum's task exports only
 * the first, so they predict but cannot embed.
 */
export async function loadShipped(name: string, ref: string, quantized: boolean, makeBatcher: (encoder: Encoder) => Batcher): Promise<ServedModel> {
  let task: TaskModel | null = null;
  try {
    task = await TaskModel.load(resolveModel(ref, 'task'), { quantized });
  } catch (e) {
    if (code(e) !== 'E_NOT_A_TASK_MODEL') throw e;
  }
  let encoder: Encoder | null = null;
  try {
    encoder = await Encoder.load(resolveModel(ref, 'embed'), { quantized });
  } catch (e) {
    // Only a task export may lack last_hidden_state; anything else about the model is the user's to fix.
    if (!task || code(e) !== 'E_BAD_INPUTS') throw e;
  }
  if (!task && !encoder) throw new CliError('E_MODEL', `${ref}: neither a task model nor an encoder`);
  return { name, bundle: null, task, encoder, batcher: encoder ? makeBatcher(encoder) : null };
}
