import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGraphInfo, findHiddenStates, withExtraOutputs } from '@bertkit/encoder';
import { runGraph } from './run-graph.js';
import { SHARED } from './shared.js';

type Nested = number | Nested[];
type Batch = Record<string, Nested[]> & { input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][]; hidden_states: Nested[] };

export function reference(model: string): Batch[] {
  return JSON.parse(readFileSync(join(SHARED, 'models', model, 'reference.json'), 'utf8'));
}

/** Largest |a - b| over two equally long arrays; Infinity when the lengths differ (a wrong shape). */
export function maxDiff(a: ArrayLike<number>, b: readonly number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

/**
 * The worst difference to the PyTorch reference of every hidden state (read the way @bertkit/encoder
 * reads them: its findHiddenStates over the graph's node names, appended as outputs) and of every named
 * output the reference holds.
 */
export async function referenceDiffs(onnx: string, model: string, layers: number, outputs: readonly string[]): Promise<Record<string, number>> {
  const bytes = readFileSync(onnx);
  const states = findHiddenStates(readGraphInfo(bytes), layers, onnx);
  const hidden = JSON.parse(readFileSync(join(SHARED, 'models', model, 'config.json'), 'utf8')).hidden_size ?? JSON.parse(readFileSync(join(SHARED, 'models', model, 'config.json'), 'utf8')).dim;
  const graph = withExtraOutputs(bytes, states, hidden);
  const worst: Record<string, number> = {};
  for (const batch of reference(model)) {
    const inputs = { input_ids: batch.input_ids, attention_mask: batch.attention_mask, token_type_ids: batch.token_type_ids };
    const result = await runGraph(graph, inputs, [...states, ...outputs]);
    states.forEach((name, i) => (worst[`hidden_states.${i}`] = Math.max(worst[`hidden_states.${i}`] ?? 0, maxDiff(result[name] as Float32Array, (batch.hidden_states[i] as Nested[]).flat(3) as number[]))));
    for (const name of outputs) worst[name] = Math.max(worst[name] ?? 0, maxDiff(result[name] as Float32Array, (batch[name] as Nested[]).flat(3) as number[]));
  }
  return worst;
}
