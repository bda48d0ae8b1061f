import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ModelToolsError } from './errors.js';
import type { TensorSource } from './tensor-source.js';

/**
 * A sharded checkpoint (`model.safetensors.index.json` / `pytorch_model.bin.index.json`, as
 * save_pretrained writes past max_shard_size) as one TensorSource: the index's weight_map says which shard
 * holds each tensor; every shard is opened with `open` and all are closed together.
 */
export function shardedSource(indexPath: string, open: (path: string) => TensorSource): TensorSource {
  let weightMap: Record<string, unknown>;
  try {
    const json = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: unknown };
    if (json.weight_map === null || typeof json.weight_map !== 'object' || Array.isArray(json.weight_map)) throw new Error('no "weight_map" object');
    weightMap = json.weight_map as Record<string, unknown>;
  } catch (cause) {
    throw new ModelToolsError('E_BAD_CONFIG', `${indexPath}: not a checkpoint index (${(cause as Error).message})`, { file: indexPath, cause });
  }
  const shards = new Map<string, TensorSource>();
  const owner = new Map<string, TensorSource>();
  try {
    for (const [name, shard] of Object.entries(weightMap)) {
      if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\')) {
        throw new ModelToolsError('E_BAD_CONFIG', `${indexPath}: weight_map["${name}"] must name a shard file beside the index, got ${JSON.stringify(shard)}`, { file: indexPath });
      }
      let source = shards.get(shard);
      if (!source) {
        const path = join(dirname(indexPath), shard);
        if (!existsSync(path)) throw new ModelToolsError('E_NOT_FOUND', `${path}: shard named by ${indexPath} is missing`, { file: path });
        source = open(path);
        shards.set(shard, source);
      }
      owner.set(name, source);
    }
  } catch (error) {
    for (const s of shards.values()) s.close();
    throw error;
  }
  // Tensors a shard holds but the index does not list are still readable (the index may omit buffers).
  for (const source of shards.values()) for (const name of source.names()) if (!owner.has(name)) owner.set(name, source);
  return {
    file: indexPath,
    names: () => [...owner.keys()].filter((n) => owner.get(n)?.shape(n) !== undefined),
    shape: (name) => owner.get(name)?.shape(name),
    read: (name) => {
      const source = owner.get(name);
      if (!source) throw new ModelToolsError('E_NOT_FOUND', `${indexPath}: no tensor named ${JSON.stringify(name)}`, { file: indexPath });
      return source.read(name);
    },
    close: () => {
      for (const s of shards.values()) s.close();
    },
  };
}
