import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModelToolsError } from './errors.js';
import { SafetensorsFile } from './safetensors.js';
import type { TensorSource } from './tensor-source.js';
import { safetensorsSource } from './tensor-source.js';

/** A reader of one weights file format: the file name it looks for and how to open it. */
export interface CheckpointFormat {
  file: string;
  open(path: string): TensorSource;
}

/** Formats in order of preference: safetensors first (no pickle), as transformers loads them. */
export const CHECKPOINT_FORMATS: CheckpointFormat[] = [{ file: 'model.safetensors', open: (path) => safetensorsSource(SafetensorsFile.open(path)) }];

/** The weights of a checkpoint directory through the first format whose file is there. */
export function openCheckpoint(dir: string): TensorSource {
  for (const format of CHECKPOINT_FORMATS) {
    const path = join(dir, format.file);
    if (existsSync(path)) return format.open(path);
  }
  const known = CHECKPOINT_FORMATS.map((f) => f.file).join(' or ');
  const hint = existsSync(join(dir, 'pytorch_model.bin')) && !CHECKPOINT_FORMATS.some((f) => f.file === 'pytorch_model.bin') ? ' (pytorch_model.bin is not read by this build)' : '';
  throw new ModelToolsError('E_NOT_FOUND', `${join(dir, 'model.safetensors')}: no model.safetensors${CHECKPOINT_FORMATS.length > 1 ? ` (looked for ${known})` : ''}${hint}`, { file: join(dir, 'model.safetensors') });
}
