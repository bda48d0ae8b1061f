import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainBatch } from '../batch.js';
import { padBatch } from '../data/length-grouped.js';
import { FinetuneError } from '../errors.js';
import { accumulateGradients, epochBatches } from '../finetune.js';
import { specFromConfig } from '../model/model-spec.js';
import { buildTrainingGraph } from '../model/task-graph.js';
import { AdamW } from '../optim/adamw.js';
import { clipCoefficient, globalNorm } from '../optim/clip.js';
import { learningRate } from '../optim/schedule.js';
import { TrainingMemory } from '../optim/training-memory.js';
import { TrainingSession } from '../training-session.js';
import { ioError, writeFileAtomic } from './atomic-write.js';
import type { Position, RunState } from './checkpoint.js';
import { loadCheckpoint, removeStaleTemporaries, saveCheckpoint } from './checkpoint.js';
import type { EvalSetup } from './evaluate.js';
import { evaluateExamples } from './evaluate.js';
import { copyTokenizerFiles, exportOnnx, outputConfig, writeModelFiles } from './model-dir-writer.js';
import { optimizerMoments, restoreOptimizer } from './optimizer-state.js';
import { resolveOptions } from './resolve-options.js';
import { segmentSeed } from './reseed.js';
import { checkFingerprint, frozenNames, loadWeights, masking, readConfig, resumeDirectory, trainerState } from './run-setup.js';
import type { Predictions, TrainModelOptions, TrainSummary } from './types.js';

/**
 * Fine-tunes (or pretrains, task masked-lm) a Hugging Face model directory into `options.out`, as transformers'
 * Trainer: AdamW with decoupled decay, warmup + schedule, clipping, accumulation, length-grouped seeded batches,
 * evaluation on dev with best-model keeping and early stopping, atomic checkpoints with exact resume.
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainSummary> {
  const startedAt = performance.now();
  const run = resolveOptions(options);
  const modelDir = resolve(options.model);
  const out = resolve(options.out);
  const configPath = join(modelDir, 'config.json');
  const inputConfig = readConfig(configPath);
  const spec = specFromConfig(inputConfig, configPath);
  const graphOptions = { numLabels: run.numLabels, problemType: run.problemType };
  const graph = buildTrainingGraph(spec, run.trainTask, graphOptions);
  const config = outputConfig(inputConfig, spec, run.trainTask, { problemType: run.problemType, labelNames: run.labelNames });
  try {
    mkdirSync(out, { recursive: true });
  } catch (cause) {
    throw ioError(out, cause, 'creating');
  }
  removeStaleTemporaries(out);

  const fingerprint = {
    model: modelDir,
    modelType: spec.modelType,
    task: options.task,
    problemType: run.problemType,
    numLabels: run.numLabels,
    batchSize: run.batchSize,
    gradientAccumulation: run.accumulate,
    seed: run.seed,
    trainSize: options.train.length,
    groupByLength: run.groupByLength,
    epochs: run.epochs,
    maxSteps: run.maxSteps ?? 0,
    freezeEmbeddings: options.freezeEmbeddings ?? false,
    freezeLayers: options.freezeLayers ?? 0,
    // The optimizer's settings: resuming with another learning rate or decay would silently make a different run.
    learningRate: run.learningRate,
    schedule: run.schedule,
    warmupRatio: run.warmupRatio,
    warmupSteps: run.warmupSteps ?? -1,
    weightDecay: run.weightDecay,
    maxGradNorm: run.maxGradNorm,
    mlmProbability: options.task === 'masked-lm' ? (options.mlm?.probability ?? 0.15) : 0,
    wholeWordMask: options.task === 'masked-lm' ? (options.mlm?.wholeWord ?? false) : false,
  };
  const resumeFrom = resumeDirectory(options.resume, out);
  let state: RunState;
  let parameters: Map<string, Float32Array>;
  let saved: ReturnType<typeof loadCheckpoint> | null = null;
  let initialized: string[] | undefined;
  if (resumeFrom) {
    saved = loadCheckpoint(resumeFrom);
    checkFingerprint(resumeFrom, saved.state.fingerprint, fingerprint);
    parameters = saved.parameters;
    state = saved.state;
    // Not refused (another machine may have other cores), but the bytes may differ: reductions split by thread.
    const before = saved.state.threads;
    if (before !== undefined && before !== (options.threads ?? 0)) {
      const name = (n: number) => (n === 0 ? "onnxruntime's default" : String(n));
      options.onWarning?.(`${resumeFrom} was trained with ${name(before)} thread(s), this run uses ${name(options.threads ?? 0)}: the result can differ from an uninterrupted run in the last bits (resume with the same --threads for identical weights)`);
    }
    state.threads = options.threads ?? 0;
  } else {
    const loaded = loadWeights(graph, modelDir, out, run.seed);
    parameters = loaded.parameters;
    initialized = loaded.initialized;
    const start: Position = { step: 0, epoch: 0, batch: 0, micro: 0 };
    state = { version: 1, fingerprint, position: start, segment: start, epochLoss: { sum: 0, count: 0 }, best: null, stale: 0, lastMetrics: {}, logHistory: [], threads: options.threads ?? 0 };
  }

  const frozen = frozenNames(spec, options.freezeEmbeddings ?? false, options.freezeLayers ?? 0);
  // Parameters, gradients, moments and accumulation sums in one WebAssembly memory, where the optimizer step
  // runs as SIMD kernels; a model too large for its 4 GiB keeps plain arrays and the JS loops.
  const placed = TrainingMemory.forTraining({ parameters, trainable: [...parameters.keys()].filter((name) => !frozen.has(name)), accumulate: run.accumulate > 1 });
  parameters = placed.parameters;
  const trainable = new Map([...parameters].filter(([name]) => !frozen.has(name)));
  const optimizer = new AdamW(trainable, { weightDecay: run.weightDecay, memory: placed.memory });
  if (saved) {
    const missing = restoreOptimizer(optimizer, saved.moments, state.position.step);
    if (missing.length > 0) throw new FinetuneError('E_RESUME_MISMATCH', `${resumeFrom}: the checkpoint has no optimizer state for ${missing[0]}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}`);
  }

  const lengths = options.train.map((e) => e.ids.length);
  const batchesPerEpoch = Math.ceil(options.train.length / run.batchSize);
  const stepsPerEpoch = Math.ceil(batchesPerEpoch / run.accumulate);
  const totalSteps = run.maxSteps ?? stepsPerEpoch * run.epochs;
  const epochsToRun = Math.ceil(totalSteps / stepsPerEpoch);
  const schedule = { kind: run.schedule, peak: run.learningRate, totalSteps, warmupRatio: run.warmupRatio, ...(run.warmupSteps !== undefined ? { warmupSteps: run.warmupSteps } : {}) };
  const { collate, devCollate } = masking(run, spec, modelDir, options);
  const threads = options.threads;

  // A session per dropout segment: seeded by (seed, first step of the segment), see reseed.ts. All of them
  // write the same gradient buffers (in the memory), so the optimizer's kernels always find them there.
  const openSession = (at: number) =>
    TrainingSession.create(buildTrainingGraph(spec, run.trainTask, { ...graphOptions, dropoutSeed: segmentSeed(run.seed, at) }), parameters, {
      ...(threads ? { threads } : {}),
      dropout: true,
      gradients: placed.gradients,
    });
  let session = await openSession(state.segment.step);
  let evalSession: TrainingSession | null = null;
  const sums = run.accumulate > 1 ? new Map([...trainable].map(([n, p]) => [n, placed.memory ? placed.memory.alloc(p.length) : new Float32Array(p.length)])) : null;
  let batchOrder = epochBatches(lengths, run.batchSize, run.seed, state.position.epoch, run.groupByLength);
  const pos: Position = { ...state.position };
  let tokensSeen = 0;
  let stepsHere = 0;
  const loopStart = performance.now();
  let lastPredictions: Predictions | undefined;
  // A resumed run that had already run out of patience stays stopped.
  let stoppedEarly = run.patience !== undefined && state.stale >= run.patience;

  const microBatch = (indexes: number[], micro: number): TrainBatch => collate(padBatch(indexes.map((i) => options.train[i]!), run.trainTask, run.problemType, graph.padId), micro);
  const params = () => graph.parameters.map((p) => ({ name: p.name, shape: p.shape, data: parameters.get(p.name)! }));
  const checkpoint = async (at: Position, segment: Position): Promise<string> => {
    const path = saveCheckpoint(out, { state: { ...state, position: at, segment }, parameters: params(), moments: optimizerMoments(optimizer), config }, run.keepCheckpoints);
    await options.onCheckpoint?.({ step: at.step, path });
    return path;
  };
  const newSegment = async () => {
    await session.release();
    session = await openSession(pos.step);
    state.segment = { ...pos };
  };

  try {
    // Resuming off a segment boundary (abort, NaN): the generators are advanced by the same passes again.
    if (state.segment.step !== pos.step || state.segment.batch !== pos.batch) {
      for (let b = state.segment.batch, micro = state.segment.micro; b < pos.batch; b++, micro++) await session.computeGradients(microBatch(batchOrder[b]!, micro));
    }
    const evaluate = async (epochFloat: number): Promise<boolean> => {
      if (!options.dev || options.dev.length === 0) return false;
      evalSession ??= await TrainingSession.create(buildTrainingGraph(spec, run.trainTask, { ...graphOptions, gradients: false }), parameters, { ...(threads ? { threads } : {}), dropout: false });
      const setup: EvalSetup = { session: evalSession, task: run.trainTask, problemType: run.problemType, numLabels: run.numLabels, labelNames: run.labelNames, batchSize: run.batchSize, ...(devCollate ? { collate: devCollate } : {}) };
      const result = await evaluateExamples(setup, options.dev);
      const value = result.metrics[run.metric];
      if (value === undefined) throw new FinetuneError('E_INVALID_OPTION', `metricForBestModel ${run.metric} is not one of this task's metrics (${Object.keys(result.metrics).join(', ')})`);
      const improved = state.best === null || (run.greater ? value > state.best.value : value < state.best.value);
      const predictions = result.predictions.length > 0 ? (result.predictions as Predictions) : undefined;
      state.lastMetrics = result.metrics;
      lastPredictions = predictions;
      state.logHistory.push({ step: pos.step, epoch: epochFloat, ...Object.fromEntries(Object.entries(result.metrics).map(([k, v]) => [`eval_${k}`, v])) });
      if (improved) {
        state.best = { step: pos.step, value, metrics: result.metrics, ...(predictions ? { predictions } : {}) };
        state.stale = 0;
        // The output directory always holds the best model so far (no copy of the weights kept in memory).
        writeModelFiles(out, config, params());
      } else state.stale++;
      await options.onEvaluate?.({ epoch: epochFloat, step: pos.step, metrics: result.metrics, best: improved, ...(predictions ? { predictions } : {}) });
      if (run.patience !== undefined && state.stale >= run.patience) stoppedEarly = true;
      return true;
    };

    training: while (!stoppedEarly && pos.step < totalSteps && pos.epoch < epochsToRun) {
      while (pos.batch < batchOrder.length && pos.step < totalSteps) {
        if (options.signal?.aborted) {
          const path = await checkpoint({ ...pos }, state.segment);
          throw new FinetuneError('E_INTERRUPTED', `interrupted at step ${pos.step}; the run continues from ${path} with resume`);
        }
        const before = { ...pos };
        const group = batchOrder.slice(pos.batch, pos.batch + run.accumulate);
        const loss = await accumulateGradients(session, group.length, (k) => {
          for (const i of group[k]!) tokensSeen += options.train[i]!.ids.length;
          return microBatch(group[k]!, pos.micro++);
        }, sums);
        const grads = sums ?? session.gradients;
        const trainableGrads = [...trainable.keys()].map((n) => grads.get(n)!);
        // Clipping is folded into the update (gradScale): the same step as clip_grad_norm_ then AdamW, one pass less.
        const gradNorm = globalNorm(trainableGrads);
        const lr = learningRate(pos.step, schedule);
        if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
          const what = Number.isFinite(loss) ? `the gradient norm became ${gradNorm}` : `loss became ${loss}`;
          const path = await checkpoint(before, state.segment);
          throw new FinetuneError('E_NON_FINITE', `${what} at step ${pos.step} (learning rate ${lr}); the last good weights are in ${path}`);
        }
        optimizer.step(grads, lr, { gradScale: run.maxGradNorm > 0 ? clipCoefficient(gradNorm, run.maxGradNorm) : 1 });
        pos.batch += group.length;
        state.epochLoss.sum += loss;
        state.epochLoss.count++;
        const step = pos.step++;
        stepsHere++;
        const elapsed = (performance.now() - loopStart) / 1000;
        const epochFloat = pos.epoch + pos.batch / batchOrder.length;
        if (step % 50 === 0 || pos.step === totalSteps) state.logHistory.push({ step: pos.step, epoch: epochFloat, loss, learning_rate: lr, grad_norm: gradNorm });
        await options.onStep?.({ step, totalSteps, epoch: pos.epoch, loss, gradNorm, learningRate: lr, tokensPerSecond: elapsed > 0 ? tokensSeen / elapsed : 0, etaSeconds: (elapsed / stepsHere) * (totalSteps - pos.step) });
        const epochEnds = pos.batch >= batchOrder.length || pos.step >= totalSteps;
        if (epochEnds) break; // evaluation and checkpoint at the epoch end below
        if (run.evalEvery !== undefined && pos.step % run.evalEvery === 0) await evaluate(epochFloat);
        if (pos.step % run.checkpointEvery === 0 || stoppedEarly) {
          await checkpoint({ ...pos }, { ...pos });
          await newSegment();
        }
        if (stoppedEarly) break training;
      }
      // Epoch end (or the last step): evaluate, then a checkpoint positioned at the next epoch's start.
      const epochFloat = pos.epoch + pos.batch / batchOrder.length;
      await evaluate(epochFloat);
      const finished = pos.batch >= batchOrder.length;
      if (finished) {
        pos.epoch++;
        pos.batch = 0;
      }
      if (pos.epoch < epochsToRun && pos.step < totalSteps && !stoppedEarly) {
        state.epochLoss = { sum: 0, count: 0 };
        batchOrder = epochBatches(lengths, run.batchSize, run.seed, pos.epoch, run.groupByLength);
      }
      await checkpoint({ ...pos }, { ...pos });
      if (stoppedEarly || pos.step >= totalSteps || pos.epoch >= epochsToRun) break;
      await newSegment();
    }
  } finally {
    await session.release();
    await (evalSession as TrainingSession | null)?.release();
  }

  // Without dev the last weights are the model; with dev the best evaluation already wrote them.
  if (state.best === null) writeModelFiles(out, config, params());
  copyTokenizerFiles(modelDir, out);
  exportOnnx(out);
  writeFileAtomic(join(out, 'trainer_state.json'), `${JSON.stringify(trainerState(state, totalSteps, run), null, 2)}\n`);
  const seconds = (performance.now() - startedAt) / 1000;
  const loopSeconds = (performance.now() - loopStart) / 1000;
  return {
    out,
    task: options.task,
    steps: pos.step,
    epochs: pos.epoch,
    metrics: state.lastMetrics,
    ...(state.best ? { best: { step: state.best.step, metrics: state.best.metrics, ...(state.best.predictions ? { predictions: state.best.predictions as Predictions } : {}) } } : {}),
    ...(lastPredictions ? { predictions: lastPredictions } : {}),
    trainLoss: state.epochLoss.count === 0 ? 0 : state.epochLoss.sum / state.epochLoss.count,
    tokensPerSecond: loopSeconds > 0 ? tokensSeen / loopSeconds : 0,
    seconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(stoppedEarly ? { stoppedEarly: true } : {}),
    ...(initialized ? { initialized } : {}),
  };
}
