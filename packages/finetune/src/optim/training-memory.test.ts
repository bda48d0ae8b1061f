import { describe, expect, it, vi } from 'vitest';
import { FinetuneError } from '../errors.js';
import { AdamW } from './adamw.js';
import { clipGradNorm, globalNorm } from './clip.js';
import { TrainingMemory, TrainingMemoryError } from './training-memory.js';
import { addScaled } from './vector-ops.js';

const ramp = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => ((i % 7) - 3) * scale);

describe('TrainingMemory', () => {
  it('hands out zeroed, 64-byte-aligned views of one non-shared buffer and knows its arrays', () => {
    const memory = TrainingMemory.create(TrainingMemory.bytesFor([3, 17, 1]));
    expect(memory.buffer).toBeInstanceOf(ArrayBuffer); // onnxruntime-node refuses SharedArrayBuffer
    const views = [memory.alloc(3), memory.alloc(17), memory.alloc(1)];
    expect(views.map((v) => v.byteOffset)).toEqual([0, 64, 192]);
    expect(views.every((v) => v.every((x) => x === 0) && memory.owns(v) && TrainingMemory.of(v) === memory)).toBe(true);
    expect(memory.available).toBe(0);
    expect(TrainingMemory.of(new Float32Array(3))).toBeNull();
    expect(memory.owns(new Float32Array(3))).toBe(false);
  });

  it('a typed error with a stable code when the capacity is exceeded; nothing is allocated', () => {
    const memory = TrainingMemory.create(512);
    memory.alloc(60); // 240 bytes, 256 with the alignment
    const refused = (() => {
      try {
        memory.alloc(65); // 260 bytes > the 256 left
      } catch (e) {
        return e;
      }
    })();
    expect(refused).toBeInstanceOf(TrainingMemoryError);
    expect((refused as TrainingMemoryError).code).toBe('E_MEMORY_CAPACITY');
    expect(memory.used).toBe(256);
    expect(memory.alloc(64).length).toBe(64);
    expect(() => TrainingMemory.create(TrainingMemory.MAX_BYTES + 1)).toThrow(expect.objectContaining({ code: 'E_MEMORY_CAPACITY' }));
    expect(TrainingMemory.tryCreate(TrainingMemory.MAX_BYTES + 1)).toBeNull();
  });

  it('forTraining copies the parameters in and sizes the memory exactly for gradients, moments and accumulation sums', () => {
    const parameters = new Map([['a.weight', ramp(5)], ['frozen.weight', ramp(9)], ['b.bias', ramp(1027)]]);
    const placed = TrainingMemory.forTraining({ parameters, trainable: ['a.weight', 'b.bias'], accumulate: true });
    for (const [name, p] of parameters) {
      expect([...placed.parameters.get(name)!]).toEqual([...p]);
      expect(placed.memory!.owns(placed.parameters.get(name)!) && placed.memory!.owns(placed.gradients.get(name)!)).toBe(true);
    }
    const trainable = new Map([...placed.parameters].filter(([name]) => name !== 'frozen.weight'));
    const optimizer = new AdamW(trainable, { memory: placed.memory });
    expect(optimizer.moments().every(({ m, v }) => placed.memory!.owns(m) && placed.memory!.owns(v))).toBe(true);
    expect(placed.memory!.fits([5, 1027])).toBe(true); // the sums
    placed.memory!.alloc(5);
    placed.memory!.alloc(1027);
    expect(placed.memory!.available).toBe(0); // exactly what the run needs, nothing more
    const plain = TrainingMemory.forTraining({ parameters });
    expect(plain.memory!.available).toBe(2 * TrainingMemory.bytesFor([5, 9, 1027])); // the moments only
  });

  it('a model beyond wasm32 4 GiB (e.g. BERT-large) cannot have a memory', () => {
    // 335M parameters x (value, gradient, 2 moments) x 4 bytes = 5.4 GB. Only the lengths are read.
    const parameters = new Map([['bert.huge.weight', { length: 335_000_000 } as Float32Array]]);
    const bytes = TrainingMemory.bytesForTraining({ parameters });
    expect(bytes).toBe(4 * TrainingMemory.bytesFor([335_000_000]));
    expect(TrainingMemory.tryCreate(bytes)).toBeNull();
  });

  it('forTraining without a memory gives the same views as plain arrays: copies of the parameters, zeroed gradients', () => {
    vi.spyOn(TrainingMemory, 'tryCreate').mockReturnValue(null);
    const parameters = new Map([['a.weight', ramp(5, 0.5)], ['b.bias', ramp(3, 0.25)]]);
    const placed = TrainingMemory.forTraining({ parameters, accumulate: true });
    vi.restoreAllMocks();
    expect(placed.memory).toBeNull();
    for (const [name, p] of parameters) {
      const view = placed.parameters.get(name)!;
      expect(view).not.toBe(p);
      expect([...view]).toEqual([...p]);
      expect(TrainingMemory.of(view)).toBeNull();
      expect([...placed.gradients.get(name)!]).toEqual(new Array(p.length).fill(0));
    }
  });

  it('forTraining names a trainable parameter it does not have', () => {
    expect(() => TrainingMemory.forTraining({ parameters: new Map([['a', ramp(2, 1)]]), trainable: ['b'] })).toThrow(/trainable b is not among the parameters/);
  });
});

describe('the fast path is taken for arrays in the memory, and only for them', () => {
  it('AdamW runs the kernel on every tensor whose parameter, gradient and moments are in the memory', () => {
    const placed = TrainingMemory.forTraining({ parameters: new Map([['w', ramp(10, 0.1)], ['b.bias', ramp(3, 0.1)]]) });
    const adamw = vi.spyOn(placed.memory!.kernels, 'adamw');
    const optimizer = new AdamW(placed.parameters, { memory: placed.memory });
    placed.gradients.get('w')!.set(ramp(10, 0.01));
    optimizer.step(placed.gradients, 1e-3);
    expect(adamw).toHaveBeenCalledTimes(2);
    expect(optimizer.lastStep).toEqual({ kernel: 2, js: 0 });
  });

  it('falls back to the JS loop per tensor when a gradient, a parameter or the memory option is elsewhere', () => {
    const placed = TrainingMemory.forTraining({ parameters: new Map([['w', ramp(10, 0.1)], ['b.bias', ramp(3, 0.1)]]) });
    const optimizer = new AdamW(placed.parameters, { memory: placed.memory });
    const plain = new Map([...placed.parameters].map(([n, p]) => [n, p.slice()]));
    const reference = new AdamW(plain);
    // The gradient of w is a plain array: w takes the JS loop, b.bias the kernel.
    optimizer.step(new Map([['w', ramp(10, 0.01)], ['b.bias', placed.gradients.get('b.bias')!]]), 1e-3);
    expect(optimizer.lastStep).toEqual({ kernel: 1, js: 1 });
    reference.step(new Map([['w', ramp(10, 0.01)], ['b.bias', new Float32Array(3)]]), 1e-3);
    expect(reference.lastStep).toEqual({ kernel: 0, js: 2 });
    expect([...placed.parameters.get('w')!]).toEqual([...plain.get('w')!]); // exactly the JS update
    // Without the option nothing uses the kernel, even for arrays in a memory.
    const noOption = new AdamW(placed.parameters);
    noOption.step(placed.gradients, 1e-3);
    expect(noOption.lastStep).toEqual({ kernel: 0, js: 2 });
    // A parameter outside the memory gets plain moments (no room taken) and the JS loop.
    const roomy = TrainingMemory.create(TrainingMemory.bytesFor([4, 4, 4, 4]));
    const inside = roomy.copyOf(ramp(4));
    const mixed = new AdamW(new Map([['inside', inside], ['plain', ramp(4)]]), { memory: roomy });
    expect(mixed.moments().map((s) => roomy.owns(s.m) && roomy.owns(s.v))).toEqual([true, false]);
    expect(roomy.available).toBe(TrainingMemory.bytesFor([4]));
    mixed.step(new Map([['inside', roomy.alloc(4)], ['plain', new Float32Array(4)]]), 1e-3);
    expect(mixed.lastStep).toEqual({ kernel: 1, js: 1 });
  });

  it('clipping and accumulation use the kernels for arrays in a memory, the JS loops for others, with the same results', () => {
    const memory = TrainingMemory.create(TrainingMemory.bytesFor([1027, 1027]));
    const sumsq = vi.spyOn(memory.kernels, 'sumsq');
    const scale = vi.spyOn(memory.kernels, 'scale');
    const axpy = vi.spyOn(memory.kernels, 'axpy');
    const g = memory.copyOf(ramp(1027, 0.5));
    const plain = ramp(1027, 0.5);
    expect(globalNorm([g])).toBe(globalNorm([plain]));
    expect(clipGradNorm([g], 1)).toBe(clipGradNorm([plain], 1));
    expect([...g]).toEqual([...plain]);
    expect(sumsq).toHaveBeenCalledTimes(2);
    expect(scale).toHaveBeenCalledTimes(1);
    const sum = memory.alloc(1027);
    addScaled(sum, g, 0.5);
    expect(axpy).toHaveBeenCalledTimes(1);
    addScaled(sum, plain, 0.5); // one side outside the memory: the JS loop
    expect(axpy).toHaveBeenCalledTimes(1);
    expect([...sum]).toEqual([...plain]);
    expect(() => addScaled(sum, new Float32Array(3), 1)).toThrow(FinetuneError);
  });
});
