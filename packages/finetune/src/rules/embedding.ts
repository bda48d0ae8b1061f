import type { GraphBuilder } from '../graph-builder.js';

/** Row lookup table[ids]; its backward is scatterAddRows, run on the graph's output gradient in JS. */
export function embeddingLookup(b: GraphBuilder, table: string, ids: string): string {
  return b.op('Gather', [table, ids], [{ name: 'axis', i: 0 }]);
}

/**
 * The embedding backward: grad[row(n)] += dy[n] for every looked-up row n. Done in JS rather than a
 * ScatterND(reduction='add') node: it is N·H additions (cheap) and the word table's gradient buffer is
 * JS-owned anyway (the tied MLM decoder's dense part is added first).
 */
export function scatterAddRows(grad: Float32Array, dy: Float32Array, rows: ArrayLike<number | bigint>, width: number): void {
  const n = rows.length;
  for (let i = 0; i < n; i++) {
    const row = Number(rows[i]);
    const out = row * width;
    const src = i * width;
    for (let j = 0; j < width; j++) grad[out + j]! += dy[src + j]!;
  }
}
