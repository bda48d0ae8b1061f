import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModelToolsError } from './errors.js';
import { PytorchBinFile } from './pytorch-bin/index.js';
import { SafetensorsFile } from './safetensors.js';
import { shardedSource } from './sharded-source.js';
import type { TensorSource } from './tensor-source.js';
import { safetensorsSource } from './tensor-source.js';

/** A reader of one weights file format: the file name it looks for and how to open it. */
export interface CheckpointFormat {
  file: string;
  open(path: string): TensorSource;
}

/**
 * Formats in order of preference: safetensors first (no pickle, as transformers prefers it), single file
 * or sharded, then pytorch_model.bin through the allowlisting unpickler (pytorch-bin/), which refuses any
 * global a state dict does not need.
 */
const openSafetensors = (path: string) => safetensorsSource(SafetensorsFile.open(path));
const openPytorchBin = (path: string) => pytorchBinSource(PytorchBinFile.open(path));

export const CHECKPOINT_FORMATS: CheckpointFormat[] = [
  { file: 'model.safetensors', open: openSafetensors },
  { file: 'model.safetensors.index.json', open: (path) => shardedSource(path, openSafetensors) },
  { file: 'pytorch_model.bin', open: openPytorchBin },
  { file: 'pytorch_model.bin.index.json', open: (path) => shardedSource(path, openPytorchBin) },
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
  throw new ModelToolsError('E_NOT_FOUND', `${path}: no model.safetensors (nor ${CHECKPOINT_FORMATS.slice(1).map((f) => f.file).join(', ')}) in the checkpoint directory`, { file: path });
}
