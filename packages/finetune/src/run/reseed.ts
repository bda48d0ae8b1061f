import { SeededRandom } from '@bertkit/onnx-builder';
import { FinetuneError } from '../errors.js';

/*
 * Why: dropout masks come from RandomUniformLike nodes whose `seed` attribute fixes a generator that
 * onnxruntime advances on every session run. A process that resumes from a checkpoint would restart those
 * generators at their first draw, so its masks (and weights) would differ from an uninterrupted run's.
 * Both runs therefore start a fresh session at the same boundaries with seeds derived from (seed, step):
 * the stream after a boundary depends on nothing before it.
 */

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTR_NAME = 1;
const ATTR_FLOAT = 2;

interface Field {
  field: number;
  wire: number;
  /** Where the value (a length-delimited field's payload) starts and ends. */
  start: number;
  end: number;
}

function varint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, i + 1];
  }
  throw new FinetuneError('E_RUNTIME', 'reseed: truncated varint in the training graph');
}

function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  while (at < end) {
    const [key, afterKey] = varint(bytes, at);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let valueStart = afterKey;
    let next: number;
    if (wire === 0) next = varint(bytes, afterKey)[1];
    else if (wire === 1) next = afterKey + 8;
    else if (wire === 5) next = afterKey + 4;
    else if (wire === 2) {
      const [length, payload] = varint(bytes, afterKey);
      valueStart = payload;
      next = payload + length;
    } else throw new FinetuneError('E_RUNTIME', `reseed: unsupported protobuf wire type ${wire}`);
    yield { field, wire, start: valueStart, end: wire === 2 ? next : next };
    at = next;
  }
}

const text = (bytes: Uint8Array, f: Field) => Buffer.from(bytes.buffer, bytes.byteOffset + f.start, f.end - f.start).toString('utf8');

/** Offsets of the float `seed` attribute of every RandomUniformLike node of the main graph, in node order. */
export function seedOffsets(model: Uint8Array): number[] {
  const offsets: number[] = [];
  for (const g of fields(model, 0, model.length)) {
    if (g.field !== MODEL_GRAPH || g.wire !== 2) continue;
    for (const n of fields(model, g.start, g.end)) {
      if (n.field !== GRAPH_NODE || n.wire !== 2) continue;
      let random = false;
      let seedAt = -1;
      for (const a of fields(model, n.start, n.end)) {
        if (a.field === NODE_OP_TYPE && a.wire === 2) random = text(model, a) === 'RandomUniformLike';
        if (a.field !== NODE_ATTRIBUTE || a.wire !== 2) continue;
        let name = '';
        let floatAt = -1;
        for (const x of fields(model, a.start, a.end)) {
          if (x.field === ATTR_NAME && x.wire === 2) name = text(model, x);
          if (x.field === ATTR_FLOAT && x.wire === 5) floatAt = x.start;
        }
        if (name === 'seed' && floatAt >= 0) seedAt = floatAt;
      }
      if (random && seedAt >= 0) offsets.push(seedAt);
    }
  }
  return offsets;
}

/** A seed per random node for the segment of the run that starts at `step`: integers below 2^24, exact in float32. */
export function segmentSeeds(seed: number, step: number, count: number): number[] {
  const rng = new SeededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca77)) >>> 0);
  return Array.from({ length: count }, () => Math.floor(rng.uniform() * 0x1000000));
}

/** A copy of the training graph whose dropout generators are seeded for the segment starting at `step`. */
export function reseedModel(model: Uint8Array, seed: number, step: number, offsets = seedOffsets(model)): Uint8Array {
  const out = model.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  segmentSeeds(seed, step, offsets.length).forEach((s, i) => view.setFloat32(offsets[i]!, s, true));
  return out;
}
