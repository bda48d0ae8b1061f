import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModelToolsError } from './errors.js';
import { PytorchBinFile } from './pytorch-bin/index.js';
import { SafetensorsFile } from './safetensors.js';
import type { TensorSource } from './tensor-source.js';
import { safetensorsSource } from './tensor-source.js';

/** A reader of one weights file format: the file name it looks for and how to open it. */
export interface CheckpointFormat {
  file: string;
  open(path: string): TensorSource;
}

/**
 * Formats in order of preference: safetensors first (no pickle, as transformers prefers it), then
 * pytorch_model.bin through the allowlisting unpickler (pytorch-bin/), which refuses any global a state
 * dict does not need.
 */
export const CHECKPOINT_FORMATS: CheckpointFormat[] = [
  { file: 'model.safetensors', open: (path) => safetensorsSource(SafetensorsFile.open(path)) },
  { file: 'pytorch_model.bin', open: (path) => pytorchBinSource(PytorchBinFile.open(path)) },
];

function pytorchBinSource(file: PytorchBinFile): TensorSource {
  return {
    file: file.path,
    names: () => file.names(),
    shape: (name) => file.tensors.get(name)?.shape,
    read: (name) => file.read(name),
    close: () => file.close(),
  };
}

/** The weights of a checkpoint directory through the first format whose file is there. */
export function openCheckpoint(dir: string): TensorSource {
  for (const format of CHECKPOINT_FORMATS) {
    const path = join(dir, format.file);
    if (existsSync(path)) return format.open(path);
  }
  const path = join(dir, 'model.safetensors');
  const sharded = existsSync(join(dir, 'model.safetensors.index.json')) || existsSync(join(dir, 'pytorch_model.bin.index.json'));
  const why = sharded ? '; sharded checkpoints (*.index.json) are not read yet' : '';
  throw new ModelToolsError('E_NOT_FOUND', `${path}: no model.safetensors (nor ${CHECKPOINT_FORMATS.slice(1).map((f) => f.file).join(', ')}) in the checkpoint directory${why}`, { file: path });
}
