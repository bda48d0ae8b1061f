import { OnnxGraph } from '@bertkit/onnx-builder';
import ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';

/**
 * The machine's fp32 GEMM throughput as onnxruntime reaches it: a chain of [M x 768] x [768 x 3072] and
 * back MatMuls (DistilBERT's FFN shapes), whole-graph so nothing but the GEMMs is timed, at the same thread
 * count the encoder uses. The best of several runs: the limit, not the typical.
 */
export async function measureGemm(options: { rows?: number; pairs?: number; runs?: number } = {}): Promise<{ gflops: number; m: number; k: number; n: number }> {
  const [M, K, N] = [options.rows ?? 1024, 768, 3072];
  const pairs = options.pairs ?? 4;
  const g = new OnnxGraph();
  g.input('a', 'float', [M, K]);
  let x = 'a';
  let seed = 1;
  const random = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.05);
  for (let p = 0; p < pairs; p++) {
    const up = g.node('MatMul', [x, g.floatTensor(`up${p}`, [K, N], random(K * N))], `up${p}`);
    x = g.node('MatMul', [up, g.floatTensor(`down${p}`, [N, K], random(K * N))], `down${p}`);
  }
  g.output('y', [M, K]);
  g.nodeNamed('Identity', [x], 'y', 'out');
  const session = await ort.InferenceSession.create(g.encode(17, 'bertkit-bench-gemm'), { intraOpNumThreads: availableParallelism(), graphOptimizationLevel: 'all' });
  const feeds = { a: new ort.Tensor('float32', new Float32Array(M * K).fill(0.5), [M, K]) };
  await session.run(feeds);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < (options.runs ?? 5); r++) {
    const t0 = performance.now();
    await session.run(feeds);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  await session.release();
  return { gflops: (2 * 2 * pairs * M * K * N) / best / 1e9, m: M, k: K, n: N };
}
