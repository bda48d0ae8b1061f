import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile } from '@bertkit/onnx-builder';
import { requireShared } from '@bertkit/shared-data';
import type { BatchRows } from '../batch.js';

export type StandIn = 'distilbert' | 'bert';

export const standInDir = (model: StandIn): string => join(requireShared(), 'models', `tiny-random-${model}`);
const refDir = (model: StandIn) => join(standInDir(model), 'train-reference');

export function readTensors(model: StandIn, file: string): Map<string, Float32Array> {
  const f = SafetensorsFile.open(join(refDir(model), file));
  try {
    return new Map(f.names().map((n) => [n, f.read(n)]));
  } finally {
    f.close();
  }
}

export interface Summary {
  classify: { loss: number; logits: number[][] };
  classify_steps: Array<{ step: number; batch: number; loss: number; grad_norm_before_clip: number; lr: number }>;
  mlm: { loss: number; masked: number };
}

export const readSummary = (model: StandIn): Summary => JSON.parse(readFileSync(join(refDir(model), 'summary.json'), 'utf8')) as Summary;
export const readBatches = (model: StandIn): { classify: BatchRows[]; mlm: BatchRows } =>
  JSON.parse(readFileSync(join(refDir(model), 'batches.json'), 'utf8')) as { classify: BatchRows[]; mlm: BatchRows };
