import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { protoFields } from '@bertkit/encoder';
import { basename, dirname, join } from 'node:path';
import { ModelToolsError } from './errors.js';
import { type NodeSpec, encodeNode, encodeTensor } from './onnx-graph.js';
import { FLOAT, INT64, INT8, type StoredModel, type StoredNode, type StoredTensor, readFloats, readStoredModel } from './onnx-model-reader.js';
import { ProtoWriter } from './proto-writer.js';

export interface QuantizeOptions {
  /** Where to write; default `model_quantized.onnx` beside the input. */
  output?: string;
  /** One scale per output column of each weight (default) or one per tensor. */
  perChannel?: boolean;
  /** Also store embedding tables as int8 with one scale per row (default true): most of a BERT's bytes. */
  embeddings?: boolean;
}

export interface QuantizeReport {
  input: string;
  output: string;
  inputBytes: number;
  outputBytes: number;
  /** Weight MatMuls replaced by DynamicQuantizeMatMul. */
  matmuls: number;
  /** Embedding Gathers turned into int8 lookups. */
  gathers: number;
  /** Largest relative error of a quantized weight tensor, |w - q*s| / max|w| (about 1/254 at most). */
  worstRelativeError: number;
}

const CONTRIB = 'com.microsoft';

/**
 * The embedding projection of ALBERT / ELECTRA-small (ours, and Hugging Face exports' names) stays float:
 * its output is the residual stream itself, so int8 activation noise there is not diluted by a residual
 * and reaches every layer (cosine 0.98 instead of 1.000 on a random ELECTRA), for E x H weights only.
 */
const KEEP_FLOAT = /(\/embeddings\/LayerNorm\/projection\/|embeddings_project\/|embedding_hidden_mapping_in\/)MatMul$/;

/**
 * int8 dynamic quantization of a BERT-family ONNX model (ours or a Hugging Face export): every MatMul
 * whose second input is a float weight becomes onnxruntime's DynamicQuantizeMatMul (activations quantized
 * per batch at run time, weights int8 with per-column or per-tensor scales; u8s8 runs on AVX-512 VNNI),
 * and embedding tables become int8 rows gathered then scaled. Node names are kept, so @bertkit/encoder
 * still finds every layer's output and its [CLS] shortcut.
 */
export function quantizeModel(input: string, options: QuantizeOptions = {}): QuantizeReport {
  const file = resolveOnnx(input);
  const output = options.output ?? join(dirname(file), `${basename(file, '.onnx')}_quantized.onnx`);
  const bytes = readFileSync(file);
  const model = readStoredModel(bytes, file);
  const opset = model.opsets.get('') ?? 0;
  if (opset < 10) throw new ModelToolsError('E_UNSUPPORTED', `${file}: opset ${opset} is too old to quantize (10 or newer)`, { file });
  const initializers = new Map<string, StoredTensor>();
  for (const g of model.graphs) for (const t of g.initializers) initializers.set(t.name, t);
  const externals = [...initializers.values()].filter((t) => t.external);
  if (externals.length > 0) throw new ModelToolsError('E_UNSUPPORTED', `${file}: ${externals.length} initializer(s) keep their data in external files; quantize a single-file model`, { file });

  const perChannel = options.perChannel ?? true;
  const replaced = new Map<StoredNode, ProtoWriter[]>();
  const quantized = new Map<string, ProtoWriter[]>();
  let worst = 0;
  let matmuls = 0;
  let gathers = 0;
  const floatMatrix = (name: string | undefined) => {
    const t = name === undefined ? undefined : initializers.get(name);
    return t && t.dataType === FLOAT && t.dims.length === 2 ? t : null;
  };
  const allNodes = model.graphs.flatMap((g) => g.nodes);
  const consumers = new Map<string, StoredNode[]>();
  for (const n of allNodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const graphOutputs = new Set(allNodes.length > 0 ? outputsOf(model) : []);
  for (const node of allNodes) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    if (node.opType === 'MatMul') {
      if (KEEP_FLOAT.test(node.name)) continue;
      const weight = floatMatrix(node.inputs[1]);
      if (!weight || initializers.has(node.inputs[0] ?? '')) continue;
      if (!quantized.has(weight.name)) {
        const [K, N] = weight.dims as [number, number];
        const q = quantizeColumns(readFloats(model, weight), K, N, perChannel);
        worst = Math.max(worst, q.error);
        const scaleDims = perChannel ? [N] : [];
        quantized.set(weight.name, [
          encodeTensor(weight.name, weight.dims, INT8, bytesOf(q.values)),
          encodeTensor(`${weight.name}_scale`, scaleDims, FLOAT, bytesOf(q.scales)),
          encodeTensor(`${weight.name}_zero_point`, scaleDims, INT8, new Uint8Array(q.scales.length)),
        ]);
      }
      // A bias Add that only this MatMul feeds goes into the operator's own bias input: one pass less.
      const out = node.outputs[0] as string;
      const next = consumers.get(out) ?? [];
      const add = next.length === 1 && !graphOutputs.has(out) ? next[0] : undefined;
      const biasName = add?.opType === 'Add' && add.domain === '' ? add.inputs.find((i) => i !== out) : undefined;
      const bias = biasName === undefined ? undefined : initializers.get(biasName);
      const fuse = add !== undefined && bias !== undefined && bias.dataType === FLOAT && bias.dims.length === 1 && bias.dims[0] === weight.dims[1];
      const spec: NodeSpec = {
        opType: 'DynamicQuantizeMatMul',
        domain: CONTRIB,
        inputs: [node.inputs[0] as string, weight.name, `${weight.name}_scale`, `${weight.name}_zero_point`, ...(fuse ? [bias.name] : [])],
        outputs: fuse ? add.outputs : node.outputs,
        name: node.name,
      };
      replaced.set(node, [encodeNode(spec)]);
      if (fuse) replaced.set(add, []);
      matmuls++;
    } else if (node.opType === 'Gather' && (options.embeddings ?? true) && (node.ints.get('axis') ?? 0) === 0) {
      const table = floatMatrix(node.inputs[0]);
      if (!table) continue;
      if (!quantized.has(table.name)) {
        const [rows, width] = table.dims as [number, number];
        const q = quantizeRows(readFloats(model, table), rows, width);
        worst = Math.max(worst, q.error);
        quantized.set(table.name, [encodeTensor(table.name, table.dims, INT8, bytesOf(q.values)), encodeTensor(`${table.name}_scale`, [rows], FLOAT, bytesOf(q.scales))]);
      }
      const ids = node.inputs[1] as string;
      const out = node.outputs[0] as string;
      const p = `${node.name}/int8`;
      const unsqueeze: NodeSpec =
        opset >= 13
          ? { opType: 'Unsqueeze', inputs: [`${p}/scale`, `${p}/axes`], outputs: [`${p}/scale_1`], name: `${p}/Unsqueeze` }
          : { opType: 'Unsqueeze', inputs: [`${p}/scale`], outputs: [`${p}/scale_1`], name: `${p}/Unsqueeze`, attributes: [{ name: 'axes', ints: [-1] }] };
      const nodes = [
        encodeNode({ opType: 'Gather', inputs: [table.name, ids], outputs: [`${p}/rows`], name: node.name }),
        encodeNode({ opType: 'Gather', inputs: [`${table.name}_scale`, ids], outputs: [`${p}/scale`], name: `${p}/GatherScale` }),
        encodeNode({ opType: 'Cast', inputs: [`${p}/rows`], outputs: [`${p}/float`], name: `${p}/Cast`, attributes: [{ name: 'to', i: FLOAT }] }),
        encodeNode(unsqueeze),
        encodeNode({ opType: 'Mul', inputs: [`${p}/float`, `${p}/scale_1`], outputs: [out], name: `${p}/Mul` }),
      ];
      if (opset >= 13) nodes.push(constantInt64(`${p}/axes`, [-1]));
      replaced.set(node, nodes);
      gathers++;
    }
  }
  if (matmuls === 0) throw new ModelToolsError('E_UNSUPPORTED', `${file}: no MatMul with a float weight initializer to quantize (already quantized?)`, { file });

  const writer = new ProtoWriter();
  for (const f of model.fields) {
    if (f.field === 7 && f.wire === 2) continue;
    writer.raw(bytes.subarray(f.begin, f.end));
  }
  if (!model.opsets.has(CONTRIB)) writer.message(8, new ProtoWriter().string(1, CONTRIB).int(2, 1));
  model.graphs.forEach((graph, k) => {
    const g = new ProtoWriter();
    const nodes = new Map(graph.nodes.map((n) => [n.field.begin, n]));
    const tensors = new Map(graph.initializers.map((t) => [t.field.begin, t]));
    for (const f of protoFields(bytes, graph.field.start, graph.field.end)) {
      const node = nodes.get(f.begin);
      const tensor = tensors.get(f.begin);
      if (node && replaced.has(node)) for (const n of replaced.get(node) as ProtoWriter[]) g.message(1, n);
      else if (tensor && quantized.has(tensor.name)) continue;
      else g.raw(bytes.subarray(f.begin, f.end));
    }
    if (k === 0) for (const tensors of quantized.values()) for (const t of tensors) g.message(5, t);
    writer.message(7, g);
  });
  const result = writer.finish();
  writeFileSync(output, result);
  return { input: file, output, inputBytes: bytes.length, outputBytes: result.length, matmuls, gathers, worstRelativeError: worst };
}

function outputsOf(model: StoredModel): string[] {
  const names: string[] = [];
  for (const g of model.graphs) {
    for (const f of protoFields(model.bytes, g.field.start, g.field.end)) {
      if (f.field !== 12 || f.wire !== 2) continue;
      for (const v of protoFields(model.bytes, f.start, f.end)) if (v.field === 1 && v.wire === 2) names.push(new TextDecoder().decode(model.bytes.subarray(v.start, v.end)));
    }
  }
  return names;
}

function resolveOnnx(input: string): string {
  if (typeof input !== 'string' || input === '') throw new ModelToolsError('E_INVALID_OPTION', `input must be a model directory or .onnx path, got ${JSON.stringify(input)}`);
  if (!existsSync(input)) throw new ModelToolsError('E_NOT_FOUND', `${input}: no such file or directory`, { file: input });
  if (!statSync(input).isDirectory()) return input;
  const found = ['onnx/model.onnx', 'model.onnx'].map((c) => join(input, c)).find((c) => existsSync(c));
  if (!found) throw new ModelToolsError('E_NOT_FOUND', `${input}: no onnx/model.onnx or model.onnx to quantize`, { file: input });
  return found;
}

function constantInt64(name: string, values: number[]): ProtoWriter {
  const value = new ProtoWriter().string(1, 'value').message(5, encodeTensor('', [values.length], INT64, new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer))).int(20, 4);
  return new ProtoWriter().string(2, name).string(3, `${name}/Constant`).string(4, 'Constant').message(5, value);
}

function bytesOf(a: Float32Array | Int8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Symmetric int8 (zero point 0, range ±127) per column of a row-major [K, N] matrix, or one scale for all. */
export function quantizeColumns(w: Float32Array, K: number, N: number, perChannel: boolean): { values: Int8Array; scales: Float32Array; error: number } {
  const maxAbs = new Float32Array(perChannel ? N : 1);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const a = Math.abs(w[k * N + n] as number);
      const c = perChannel ? n : 0;
      if (a > (maxAbs[c] as number)) maxAbs[c] = a;
    }
  }
  const scales = maxAbs.map((m) => (m > 0 ? m / 127 : 1));
  const values = new Int8Array(K * N);
  let error = 0;
  const overall = Math.max(...maxAbs) || 1;
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const s = scales[perChannel ? n : 0] as number;
      const x = w[k * N + n] as number;
      const q = Math.max(-127, Math.min(127, Math.round(x / s)));
      values[k * N + n] = q;
      error = Math.max(error, Math.abs(x - q * s) / overall);
    }
  }
  return { values, scales, error };
}

/** Symmetric int8 per row of a [rows, width] table (each embedding vector keeps its own range). */
export function quantizeRows(w: Float32Array, rows: number, width: number): { values: Int8Array; scales: Float32Array; error: number } {
  const values = new Int8Array(rows * width);
  const scales = new Float32Array(rows);
  let error = 0;
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let d = 0; d < width; d++) m = Math.max(m, Math.abs(w[r * width + d] as number));
    const s = m > 0 ? m / 127 : 1;
    scales[r] = s;
    for (let d = 0; d < width; d++) {
      const x = w[r * width + d] as number;
      const q = Math.max(-127, Math.min(127, Math.round(x / s)));
      values[r * width + d] = q;
      if (m > 0) error = Math.max(error, Math.abs(x - q * s) / m);
    }
  }
  return { values, scales, error };
}
