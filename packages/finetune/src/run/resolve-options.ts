import { FinetuneError } from '../errors.js';
import type { TrainTask } from '../model/model-spec.js';
import type { ScheduleKind } from '../optim/schedule.js';
import type { FinetuneTask, ProblemType, TrainExample, TrainModelOptions } from './types.js';

const TASKS: Record<FinetuneTask, TrainTask> = {
  classify: 'sequence-classification',
  ner: 'token-classification',
  qa: 'question-answering',
  'masked-lm': 'masked-lm',
};

/** TrainModelOptions with every default filled in and the data checked. */
export interface RunOptions {
  trainTask: TrainTask;
  problemType: ProblemType;
  numLabels: number;
  labelNames: readonly string[];
  epochs: number;
  maxSteps: number | undefined;
  batchSize: number;
  accumulate: number;
  learningRate: number;
  schedule: ScheduleKind;
  warmupRatio: number;
  warmupSteps: number | undefined;
  weightDecay: number;
  maxGradNorm: number;
  seed: number;
  groupByLength: boolean;
  checkpointEvery: number;
  keepCheckpoints: number;
  evalEvery: number | undefined;
  patience: number | undefined;
  metric: string;
  /** Whether a larger metric is better (everything but losses and errors). */
  greater: boolean;
}

const bad = (message: string) => new FinetuneError('E_INVALID_OPTION', message);

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw bad(`${name} must be a positive integer, got ${String(value)}`);
  return v;
}

export function resolveOptions(o: TrainModelOptions): RunOptions {
  const trainTask = TASKS[o.task];
  if (!trainTask) throw bad(`task must be classify, ner, qa or masked-lm, got ${JSON.stringify(o.task)}`);
  if (!o.train || o.train.length === 0) throw new FinetuneError('E_EMPTY_DATA', 'no training examples (the training set is empty)');
  const problemType: ProblemType = o.task === 'classify' ? (o.problemType ?? 'single_label_classification') : 'single_label_classification';
  const labelNames = o.labelNames ?? [];
  const labelled = o.task === 'classify' && problemType !== 'regression' ? true : o.task === 'ner';
  if (labelled && labelNames.length < (problemType === 'multi_label_classification' ? 1 : 2) && !(o.task === 'ner' && labelNames.length >= 1)) {
    throw bad(`labelNames must list the ${o.task === 'ner' ? 'tags' : 'classes'} (id2label in order) for task ${o.task}`);
  }
  const numLabels = problemType === 'regression' ? 1 : labelled ? labelNames.length : 2;
  checkExamples('train', o.train, o.task, problemType, numLabels);
  if (o.dev) checkExamples('dev', o.dev, o.task, problemType, numLabels);
  // transformers spells it eval_accuracy; both are accepted.
  const metric = o.metricForBestModel?.replace(/^eval_/, '') ?? (o.task === 'masked-lm' || problemType === 'regression' ? 'loss' : o.task === 'classify' && problemType === 'single_label_classification' ? 'accuracy' : 'f1');
  const schedule = o.schedule ?? 'linear';
  if (!['linear', 'cosine', 'constant'].includes(schedule)) throw bad(`schedule must be linear, cosine or constant, got ${JSON.stringify(schedule)}`);
  const lr = o.learningRate ?? 5e-5;
  if (!(lr > 0 && Number.isFinite(lr))) throw bad(`learningRate must be > 0, got ${lr}`);
  return {
    trainTask,
    problemType,
    numLabels,
    labelNames,
    epochs: positiveInt('epochs', o.epochs, 3),
    maxSteps: o.maxSteps === undefined ? undefined : positiveInt('maxSteps', o.maxSteps, 1),
    batchSize: positiveInt('batchSize', o.batchSize, 8),
    accumulate: positiveInt('gradientAccumulation', o.gradientAccumulation, 1),
    learningRate: lr,
    schedule,
    warmupRatio: o.warmupRatio ?? 0,
    warmupSteps: o.warmupSteps,
    weightDecay: o.weightDecay ?? 0.01,
    maxGradNorm: o.maxGradNorm ?? 1,
    seed: o.seed ?? 42,
    groupByLength: o.groupByLength ?? true,
    checkpointEvery: positiveInt('checkpointEvery', o.checkpointEvery, 500),
    keepCheckpoints: positiveInt('keepCheckpoints', o.keepCheckpoints, 2),
    evalEvery: o.evalEvery === undefined ? undefined : positiveInt('evalEvery', o.evalEvery, 1),
    patience: o.earlyStoppingPatience === undefined ? undefined : positiveInt('earlyStoppingPatience', o.earlyStoppingPatience, 1),
    metric,
    greater: !/loss|mse|error/i.test(metric),
  };
}

/** Every label of `set` fits the task (a dev label never seen in training is named, with its example). */
function checkExamples(set: string, examples: readonly TrainExample[], task: FinetuneTask, problemType: ProblemType, numLabels: number): void {
  examples.forEach((e, i) => {
    const where = `${set} example ${i}`;
    if (!e.ids || e.ids.length === 0) throw bad(`${where}: no token ids`);
    const inRange = (x: number) => Number.isInteger(x) && x >= 0 && x < numLabels;
    if (task === 'classify') {
      if (problemType === 'regression') {
        if (typeof e.label !== 'number' || !Number.isFinite(e.label)) throw bad(`${where}: regression needs a finite label, got ${String(e.label)}`);
      } else if (problemType === 'multi_label_classification') {
        if (!e.labels || e.labels.length !== numLabels || e.labels.some((x) => x !== 0 && x !== 1)) throw bad(`${where}: multi-label needs labels as ${numLabels} values of 0 or 1`);
      } else if (e.label === undefined || !inRange(e.label)) {
        throw bad(`${where}: label ${String(e.label)} is not one of the ${numLabels} labels (0..${numLabels - 1})`);
      }
    } else if (task === 'ner') {
      if (!e.labels || e.labels.length !== e.ids.length) throw bad(`${where}: ner needs one label per token (${e.ids.length}), got ${e.labels?.length ?? 0}`);
      const wrong = e.labels.find((x) => x !== -100 && !inRange(x));
      if (wrong !== undefined) throw bad(`${where}: label ${wrong} is not one of the ${numLabels} labels (0..${numLabels - 1}) nor -100`);
    } else if (task === 'qa') {
      const { start, end } = e;
      if (start === undefined || end === undefined || !(start >= 0 && end >= start && end < e.ids.length)) throw bad(`${where}: qa needs 0 <= start <= end < ${e.ids.length}, got ${String(start)}, ${String(end)}`);
    }
  });
}
