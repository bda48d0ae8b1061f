import { SafetensorsFile, SeededRandom } from '@bertkit/onnx-builder';
import { FinetuneError } from '../errors.js';
import type { TrainingGraph } from './task-graph.js';

export interface LoadOptions {
  /** Seed of the freshly initialised head (normal(0, std) weights, zero biases, as transformers). Default 42. */
  seed?: number;
  /** Default 0.02 (initializer_range). */
  std?: number;
}

export interface LoadedParameters {
  parameters: Map<string, Float32Array>;
  /** Parameters the checkpoint did not have, initialised fresh (a new task head). */
  initialized: string[];
}

/**
 * Every parameter of a training graph from a .safetensors checkpoint (a BERT pooler counts as head: base
 * checkpoints often lack it). Accepts base-model names (no
 * `distilbert.` / `bert.` prefix) and the old LayerNorm `gamma`/`beta` names; head parameters missing from
 * the checkpoint are initialised as transformers does; a missing encoder parameter is an error.
 */
export function loadParameters(graph: TrainingGraph, path: string, options: LoadOptions = {}): LoadedParameters {
  const file = SafetensorsFile.open(path);
  try {
    const rng = new SeededRandom(options.seed ?? 42);
    const prefix = `${graph.spec.modelType}.`;
    const parameters = new Map<string, Float32Array>();
    const initialized: string[] = [];
    const missing: string[] = [];
    for (const p of graph.parameters) {
      const bare = p.name.startsWith(prefix) ? p.name.slice(prefix.length) : p.name;
      const candidates = [p.name, bare].flatMap((n) => [n, n.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')]);
      const found = candidates.find((n) => file.tensors.has(n));
      const size = p.shape.reduce((a, b) => a * b, 1);
      if (found) {
        const entry = file.tensors.get(found)!;
        if (entry.shape.reduce((a, b) => a * b, 1) !== size) throw new FinetuneError('E_SHAPE', `${path}: ${found} is [${entry.shape.join(', ')}], the graph needs [${p.shape.join(', ')}]`);
        parameters.set(p.name, file.read(found));
      } else if ((p.name.startsWith(prefix) || bare.startsWith('embeddings.')) && !bare.startsWith('pooler.')) {
        missing.push(p.name);
      } else {
        const values = new Float32Array(size);
        if (p.shape.length > 1) rng.fillNormal(values, options.std ?? 0.02);
        else if (/norm\.weight$|LayerNorm\.weight$/i.test(p.name)) values.fill(1);
        parameters.set(p.name, values);
        initialized.push(p.name);
      }
    }
    if (missing.length > 0) throw new FinetuneError('E_MISSING_TENSORS', `${path}: missing ${missing.length} encoder tensor(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
    return { parameters, initialized };
  } finally {
    file.close();
  }
}
