import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile } from '../safetensors.js';
import { writeSafetensors } from '../safetensors-writer.js';
import { SeededRandom } from '../rng.js';
import { SHARED } from './shared.js';

/**
 * A copy of a shared stand-in (ONNX files and reference dropped) with its tensors renamed by `rename`
 * (null drops one) and `extra` random tensors added (seeded, std 0.5 so a misplaced head weight shows).
 */
export function checkpointCopy(model: string, dir: string, rename: (key: string) => string | null = (k) => k, extra: Record<string, number[]> = {}): string {
  cpSync(join(SHARED, 'models', model), dir, { recursive: true });
  rmSync(join(dir, 'onnx'), { recursive: true, force: true });
  rmSync(join(dir, 'reference.json'), { force: true });
  const source = SafetensorsFile.open(join(SHARED, 'models', model, 'model.safetensors'));
  const tensors = source
    .names()
    .map((n) => ({ name: rename(n), shape: source.tensors.get(n)?.shape ?? [], data: source.read(n) }))
    .filter((t): t is { name: string; shape: number[]; data: Float32Array } => t.name !== null);
  source.close();
  const rng = new SeededRandom(11);
  for (const [name, shape] of Object.entries(extra)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    rng.fillNormal(data, 0.5);
    tensors.push({ name, shape, data });
  }
  rmSync(join(dir, 'model.safetensors'), { force: true });
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}

/** y = x W^T + b over rows of x (PyTorch Linear, W [out, in]), in float64. */
export function linearRows(x: ArrayLike<number>, rows: number, W: Float32Array, b: Float32Array, out: number, inn: number): Float64Array {
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = b[o] as number;
      for (let i = 0; i < inn; i++) s += (x[r * inn + i] as number) * (W[o * inn + i] as number);
      y[r * out + o] = s;
    }
  }
  return y;
}
