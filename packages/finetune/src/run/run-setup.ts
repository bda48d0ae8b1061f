import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openCheckpoint, writeSafetensors } from '@bertkit/onnx-builder';
import type { TrainBatch } from '../batch.js';
import { maskTokens } from '../data/mlm-collator.js';
import { FinetuneError } from '../errors.js';
import { loadParameters } from '../model/load-parameters.js';
import type { LoadedParameters } from '../model/load-parameters.js';
import type { EncoderSpec } from '../model/model-spec.js';
import { encoderNames } from '../model/model-spec.js';
import type { TrainingGraph } from '../model/task-graph.js';
import { ioError } from './atomic-write.js';
import type { LogEntry, RunState } from './checkpoint.js';
import { listCheckpoints } from './checkpoint.js';
import { readMlmVocab } from './mlm-vocab.js';
import type { RunOptions } from './resolve-options.js';
import type { TrainModelOptions } from './types.js';

/* The pieces of trainModel around its loop: inputs, resume, freezing, masking, the final log. */

const mix = (a: number, b: number) => (Math.imul(a >>> 0, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;

export function readConfig(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new FinetuneError('E_INVALID_OPTION', `${path}: cannot read config.json (${(cause as Error).message})`, { cause });
  }
}

export function loadWeights(graph: TrainingGraph, dir: string, out: string, seed: number): LoadedParameters {
  const path = join(dir, 'model.safetensors');
  if (existsSync(path)) return loadParameters(graph, path, { seed });
  // Other formats (sharded safetensors, pytorch_model.bin) through the converter's readers, staged as one
  // safetensors file so that loadParameters' name rules (prefixes, gamma/beta, fresh heads) apply unchanged.
  let source;
  try {
    source = openCheckpoint(dir);
  } catch (cause) {
    throw new FinetuneError('E_UNSUPPORTED_MODEL', `${dir}: no weights training can read (${(cause as Error).message})`, { cause });
  }
  const staged = join(out, `.weights-${process.pid}.safetensors`);
  try {
    const tensors = source.names().map((name) => {
      const data = source.read(name);
      return { name, shape: [data.length], data };
    });
    writeSafetensors(staged, tensors);
    return loadParameters(graph, staged, { seed });
  } catch (cause) {
    throw cause instanceof FinetuneError ? cause : ioError(staged, cause, `staging the weights of ${source.file} as`);
  } finally {
    source.close();
    rmSync(staged, { force: true });
  }
}

export function resumeDirectory(resume: string | boolean | undefined, out: string): string | null {
  if (resume === undefined || resume === false) return null;
  if (typeof resume === 'string') return resolve(resume);
  const newest = listCheckpoints(out).at(-1);
  if (!newest) throw new FinetuneError('E_INVALID_OPTION', `${out}: no checkpoint to resume from`);
  return newest.path;
}

export function checkFingerprint(dir: string, saved: RunState['fingerprint'], now: RunState['fingerprint']): void {
  for (const [key, value] of Object.entries(now)) {
    if (saved[key] !== value) throw new FinetuneError('E_RESUME_MISMATCH', `${dir}: cannot resume: the checkpoint was made with ${key} ${JSON.stringify(saved[key])}, this run has ${JSON.stringify(value)}`);
  }
}

/** Parameters of the frozen embeddings (tables + their LayerNorm) and of the first k layers. */
export function frozenNames(spec: EncoderSpec, embeddings: boolean, layers: number): Set<string> {
  if (!Number.isInteger(layers) || layers < 0 || layers > spec.layers) throw new FinetuneError('E_INVALID_OPTION', `freezeLayers must be 0..${spec.layers}, got ${layers}`);
  if (spec.modelType === 'albert' && layers > 0 && layers < spec.layers) {
    throw new FinetuneError('E_INVALID_OPTION', `freezeLayers ${layers}: ALBERT's ${spec.layers} layers share one set of weights, so only 0 or ${spec.layers} (all) can be frozen`);
  }
  const n = encoderNames(spec);
  const names = new Set<string>();
  if (embeddings) for (const x of [n.word, n.position, n.tokenType, ...n.embeddingNorm]) if (x) names.add(x);
  for (let i = 0; i < layers; i++) for (const pair of Object.values(n.layer(i))) for (const x of pair) names.add(x);
  return names;
}

export function masking(run: RunOptions, spec: EncoderSpec, modelDir: string, options: TrainModelOptions): { collate: (b: TrainBatch, micro: number) => TrainBatch; devCollate?: (b: TrainBatch, index: number) => TrainBatch } {
  if (run.trainTask !== 'masked-lm') return { collate: (b) => b };
  const vocab = readMlmVocab(modelDir);
  const base = {
    vocabSize: spec.vocabSize,
    maskTokenId: vocab.maskTokenId,
    specialIds: vocab.specialIds,
    probability: options.mlm?.probability ?? 0.15,
    ...(options.mlm?.wholeWord ? { isContinuation: vocab.isContinuation } : {}),
  };
  return {
    collate: (b, micro) => maskTokens(b, { ...base, seed: mix(run.seed, micro) }),
    devCollate: (b, index) => maskTokens(b, { ...base, seed: mix(run.seed ^ 0x5eed, index) }),
  };
}

export function trainerState(state: RunState, totalSteps: number, run: RunOptions): Record<string, unknown> {
  return {
    global_step: state.position.step,
    max_steps: totalSteps,
    num_train_epochs: run.epochs,
    train_batch_size: run.batchSize,
    best_metric: state.best?.value ?? null,
    best_global_step: state.best?.step ?? null,
    metric_for_best_model: run.metric,
    log_history: state.logHistory satisfies LogEntry[],
  };
}
