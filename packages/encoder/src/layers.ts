import { EncoderError } from './errors.js';
import type { PoolingMethod } from './pooling.js';

/** Resolves layer indexes as transformers numbers hidden_states: 0 = embeddings, L = last; -1 = last. */
export function resolveLayers(layers: readonly number[], count: number): number[] {
  return layers.map((layer) => {
    if (!Number.isInteger(layer)) throw new EncoderError('E_INVALID_OPTION', `layers must be integers, got ${layer}`);
    const index = layer < 0 ? count + 1 + layer : layer;
    if (index < 0 || index > count) {
      throw new EncoderError('E_INVALID_OPTION', `layer ${layer} does not exist: the model has hidden states 0..${count} (or -1..-${count + 1})`);
    }
    return index;
  });
}

/** The last layer; for layer-concat the last four transformer layers (fewer on smaller models). */
export function defaultLayers(method: PoolingMethod, count: number): number[] {
  if (method !== 'layer-concat') return [-1];
  return Array.from({ length: Math.min(4, count) }, (_, i) => -1 - i);
}
