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

export function defaultLayers(method: PoolingMethod): number[] {
  return method === 'layer-concat' ? [-1, -2, -3, -4] : [-1];
}
