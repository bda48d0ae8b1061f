// PyTorch as a live oracle for the head losses: the same random logits and targets go through the graph
// rules (onnxruntime, float32) and through torch.nn as transformers calls it (float64). Skipped with a
// message when no python3 imports torch; in CI (env CI set) a missing oracle is a failure.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTorchScript, torchPythonOrSkip } from '../testing/torch.js';
import { randomFloats, relativeError, runGraph } from '../testing/run-graph.js';
import type { TestInput } from '../testing/run-graph.js';
import { bceWithLogits } from './bce.js';
import { crossEntropy } from './cross-entropy.js';
import { meanSquaredError } from './mse.js';
import { spanLoss } from './span-loss.js';

const script = fileURLToPath(new URL('./head-losses-torch.py', import.meta.url));

interface Case {
  name: string;
  kind: 'cross-entropy' | 'bce' | 'mse' | 'span';
  shape: number[];
  logits: Float32Array;
  labels?: number[];
  targets?: Float32Array;
  starts?: number[];
  ends?: number[];
}

const ints = (n: number, seed: number, max: number) => Array.from(randomFloats(n, seed), (v) => Math.floor((v + 1) * 0.5 * max));
const cases: Case[] = [
  // Token classification: 3 rows of 7 tokens, 5 labels, padding and non-first subwords at -100.
  { name: 'token cross-entropy, -100 ignored', kind: 'cross-entropy', shape: [3, 7, 5], logits: randomFloats(105, 51, 4), labels: ints(21, 52, 5).map((l, i) => (i % 4 === 3 || i > 17 ? -100 : l)) },
  { name: 'BCE with logits, 6 x 4, some large logits', kind: 'bce', shape: [6, 4], logits: randomFloats(24, 53, 8).map((v, i) => (i % 7 === 0 ? v * 6 : v)), targets: Float32Array.from(ints(24, 54, 2)) },
  { name: 'MSE, one target (squeezed)', kind: 'mse', shape: [8, 1], logits: randomFloats(8, 55, 3), targets: randomFloats(8, 56, 3) },
  { name: 'MSE, 3 targets per row', kind: 'mse', shape: [4, 3], logits: randomFloats(12, 57, 3), targets: randomFloats(12, 58, 3) },
  // QA: 6 rows of 9 positions; out-of-window (>= T, clamped to T and ignored) and negative (clamped to 0) positions.
  { name: 'QA span loss with clamped and ignored positions', kind: 'span', shape: [6, 9, 2], logits: randomFloats(108, 59, 5), starts: [0, 3, 12, -2, 8, 9], ends: [0, 5, 15, 4, 8, 40] },
];

async function ours(c: Case): Promise<{ loss: number; grad: Float32Array }> {
  const inputs: TestInput[] = [{ name: 'z', data: c.logits, dims: c.shape }];
  if (c.kind === 'cross-entropy') {
    const [b, t, k] = c.shape as [number, number, number];
    inputs[0]!.dims = [b * t, k];
    inputs.push({ name: 'y', data: BigInt64Array.from(c.labels!, BigInt), dims: [b * t] });
  } else if (c.kind === 'span') {
    inputs.push({ name: 'sp', data: BigInt64Array.from(c.starts!, BigInt), dims: [c.shape[0]!] }, { name: 'ep', data: BigInt64Array.from(c.ends!, BigInt), dims: [c.shape[0]!] });
  } else {
    inputs.push({ name: 'y', data: c.targets!, dims: c.kind === 'mse' && c.shape[1] === 1 ? [c.shape[0]!] : c.shape });
  }
  const out = await runGraph(inputs, (g) => {
    if (c.kind === 'span') {
      const pick = (i: number) => g.op('Gather', ['z', g.int(i)], [{ name: 'axis', i: 2 }]);
      const r = spanLoss(g, pick(0), pick(1), 'sp', 'ep');
      const col = (d: string) => g.op('Unsqueeze', [d, g.ints([2])]);
      return { loss: { tensor: r.loss, rank: 0 }, grad: { tensor: g.op('Concat', [col(r.dStart), col(r.dEnd)], [{ name: 'axis', i: 2 }]), rank: 3 } };
    }
    const r = c.kind === 'cross-entropy' ? crossEntropy(g, 'z', 'y', c.shape[2]!) : c.kind === 'bce' ? bceWithLogits(g, 'z', 'y') : meanSquaredError(g, 'z', 'y');
    return { loss: { tensor: r.loss, rank: 0 }, grad: { tensor: r.dlogits, rank: 2 } };
  });
  return { loss: out.loss![0]!, grad: out.grad! };
}

describe('head losses vs PyTorch (live, python3-torch)', () => {
  const python = torchPythonOrSkip('the PyTorch head-loss comparisons');
  if (!python) return;
  const expected = runTorchScript<Array<{ loss: number; grad: number[] }>>(
    python,
    script,
    cases.map((c) => ({ ...c, logits: [...c.logits], ...(c.targets ? { targets: [...c.targets] } : {}) })),
  );
  cases.forEach((c, i) => {
    it(c.name, async () => {
      const mine = await ours(c);
      const ref = expected[i]!;
      const lossError = Math.abs(mine.loss - ref.loss) / Math.abs(ref.loss);
      const gradError = relativeError(mine.grad, ref.grad);
      console.log(`${c.name}: loss ${mine.loss.toFixed(7)} vs PyTorch ${ref.loss.toFixed(7)} (rel ${lossError.toExponential(1)}), gradient rel ${gradError.toExponential(1)}`);
      expect(lossError).toBeLessThan(1e-5);
      expect(gradError).toBeLessThan(1e-5);
    });
  });
});
