import * as ort from 'onnxruntime-node';

/** Runs an ONNX file on int64 inputs [rows, length] and returns every requested output as float32. */
export async function runGraph(
  onnx: string | Uint8Array,
  /** Values by input name (extra entries, e.g. a whole reference batch, are ignored). */
  inputs: Readonly<Record<string, unknown>>,
  outputs: readonly string[],
): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(onnx as never, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const rows = inputs[name] as number[][] | undefined;
      if (!rows) throw new Error(`no values for graph input ${name}`);
      feeds[name] = new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]?.length ?? 0]);
    }
    const result = await session.run(feeds, outputs as string[]);
    return Object.fromEntries(outputs.map((name) => [name, Float32Array.from(result[name]?.data as Float32Array)]));
  } finally {
    await session.release();
  }
}
