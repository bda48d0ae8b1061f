// Checkpoint directories in their other layouts: sharded safetensors (save_pretrained past max_shard_size)
// give the same graph as one file; a missing shard or a broken index fails naming the file.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelToolsError, SafetensorsFile, convertCheckpoint, writeSafetensors } from './index.js';
import { SHARED } from './testing/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-shards-'));

function sharded(name: string): string {
  const dir = join(tmp, name);
  cpSync(join(SHARED, 'models', 'legacy-bert'), dir, { recursive: true });
  rmSync(join(dir, 'model.safetensors'));
  rmSync(join(dir, 'reference.json'));
  const source = SafetensorsFile.open(join(SHARED, 'models', 'legacy-bert', 'model.safetensors'));
  const names = source.names();
  const half = Math.ceil(names.length / 2);
  const weightMap: Record<string, string> = {};
  [names.slice(0, half), names.slice(half)].forEach((part, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeSafetensors(join(dir, file), part.map((n) => ({ name: n, shape: source.tensors.get(n)!.shape, data: source.read(n) })));
    for (const n of part) weightMap[n] = file;
  });
  source.close();
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  return dir;
}

describe('sharded checkpoints', () => {
  it('two safetensors shards and their index convert to the same graph as the single file', () => {
    const whole = convertCheckpoint(join(SHARED, 'models', 'legacy-bert'), { output: join(tmp, 'whole') });
    const parts = convertCheckpoint(sharded('parts'));
    expect(parts.ignored.sort()).toEqual(whole.ignored.sort());
    expect(readFileSync(parts.onnx).equals(readFileSync(whole.onnx))).toBe(true);
  });

  it('a missing shard or an index without weight_map names the file', () => {
    const dir = sharded('missing');
    rmSync(join(dir, 'model-00002-of-00002.safetensors'));
    expect(() => convertCheckpoint(dir)).toThrow(/model-00002-of-00002\.safetensors: shard named by .*model\.safetensors\.index\.json is missing/);
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {} }));
    let error: unknown;
    try {
      convertCheckpoint(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelToolsError);
    expect((error as ModelToolsError).code).toBe('E_BAD_CONFIG');
    expect((error as Error).message).toContain('model.safetensors.index.json');
  });
});
