import { SeededRandom } from '@bertkit/onnx-builder';

/*
 * Why: dropout masks come from RandomUniformLike nodes whose `seed` attribute fixes a generator that
 * onnxruntime advances on every session run. A process that resumes from a checkpoint would restart those
 * generators at their first draw, so its masks (and weights) would differ from an uninterrupted run's.
 * Both runs therefore start a fresh session at the same boundaries, from a graph built with a dropout seed
 * derived from (seed, step): the stream after a boundary depends on nothing before it.
 */

/** The dropout seed of the segment of a run that starts at `step`. */
export function segmentSeed(seed: number, step: number): number {
  const mixed = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca77)) >>> 0;
  return new SeededRandom(mixed).uniform() * 0x100000000 >>> 0;
}
