import type { Encoder } from '@bertkit/encoder';
import type { Task } from '../tasks.js';
import type { Batcher } from './batcher.js';
import { HttpError } from './http-error.js';
import type { ServedModel } from './server.js';

/*
 * A served model is a trained bundle (a head on frozen features) or a fine-tuned model as the Hub ships it
 * (`serve --model`: its graph gives logits). The routes ask these questions instead of reading either.
 */

const TASK_OF_KIND = { 'text-classification': 'classify', 'token-classification': 'ner', 'question-answering': 'qa' } as const;

export function servedTask(m: ServedModel): Task | 'embed' {
  if (m.bundle) return m.bundle.manifest.task;
  if (m.task) return TASK_OF_KIND[m.task.task];
  return 'embed';
}

export function servedLabels(m: ServedModel): string[] {
  return m.bundle?.manifest.labels ?? m.task?.labels ?? [];
}

/** Whether the model takes [a, b] text pairs. */
export function takesPairs(m: ServedModel): boolean {
  return m.bundle ? m.bundle.manifest.pairs : m.task?.task === 'text-classification';
}

export function servedTokenizer(m: ServedModel): { tokenizer: Encoder['tokenizer']; maxLength: number } {
  const source = m.encoder ?? m.task;
  if (!source) throw new Error(`served model ${m.name} has neither an encoder nor a task model`);
  return { tokenizer: source.tokenizer, maxLength: source.maxLength };
}

/** The encoder and its batcher, or a 400 for a model whose graph only predicts. */
export function embedding(m: ServedModel): { encoder: Encoder; batcher: Batcher } {
  if (!m.encoder || !m.batcher) throw new HttpError(400, `model ${m.name} gives predictions only: its ONNX graph has no last_hidden_state to embed with`);
  return { encoder: m.encoder, batcher: m.batcher };
}
