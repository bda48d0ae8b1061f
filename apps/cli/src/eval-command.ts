import { classificationReport, conllText, entityScores, readQa, squadScores } from '@bertkit/trainer';
import { column, flag, parseCommand, str } from './args.js';
import { bundleEncoder, loadBundle } from './bundle.js';
import { CliError } from './cli-error.js';
import { answer, checkKnownLabels, classify, wordTags } from './inference.js';
import { table } from './table.js';
import { exampleInputs, readClassifyData, readNerData } from './tasks.js';

export const EVAL_USAGE = `bertkit eval --bundle <dir> --data <file> [options]
  Scores a trained bundle on labelled data in its task's format: accuracy, per-class precision / recall /
  F1 and the confusion matrix (classify), conlleval entity P/R/F1 (ner), SQuAD exact match and F1 (qa).
  --text-col, --label-col, --pair-col   columns, as for train
  --model <m>     the model, when the bundle's recorded path has moved (its sha256 must match)
  --json          the scores as JSON`;

export async function evalCommand(argv: string[]): Promise<void> {
  const p = parseCommand(argv, { bundle: { type: 'string' }, data: { type: 'string' }, model: { type: 'string' }, 'text-col': { type: 'string' }, 'label-col': { type: 'string' }, 'pair-col': { type: 'string' } }, EVAL_USAGE);
  if (!p) return;
  const [bundleDir, file] = [str(p, 'bundle'), str(p, 'data')];
  if (!bundleDir || !file) throw new CliError('E_USAGE', '--bundle and --data are required (see bertkit eval --help)');
  const bundle = loadBundle(bundleDir);
  const json = flag(p, 'json');
  const task = bundle.manifest.task;
  // Data first: a bad file fails before the model loads.
  const data = task === 'classify' ? readClassifyData(file, { textColumn: column(p, 'text-col'), labelColumn: column(p, 'label-col'), pairColumn: column(p, 'pair-col') }) : task === 'ner' ? readNerData(file) : readQa(file);
  if (task === 'classify') checkKnownLabels(bundle, data as ReturnType<typeof readClassifyData>, file);
  const encoder = await bundleEncoder(bundle, str(p, 'model'));
  try {
    if (task === 'classify') {
      const examples = data as ReturnType<typeof readClassifyData>;
      const predicted = await classify(bundle, encoder, exampleInputs(examples));
      const report = classificationReport(examples.map((e) => e.label), predicted.map((x) => x.label));
      if (json) return void console.log(JSON.stringify({ task, rows: examples.length, ...report }));
      const pct = (v: number) => (v * 100).toFixed(2);
      console.log(`accuracy ${pct(report.accuracy)}% on ${examples.length} examples (${file})\n`);
      const rows = report.perClass.map((c) => [String(c.label), pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)]);
      for (const [name, s] of [['macro avg', report.macro], ['weighted avg', report.weighted]] as const) rows.push([name, pct(s.precision), pct(s.recall), pct(s.f1), String(s.support)]);
      console.log(table(['label', 'precision', 'recall', 'f1', 'support'], rows));
      console.log(`\nconfusion matrix (rows: true, columns: predicted)\n`);
      console.log(table(['', ...report.labels.map(String)], report.confusion.map((r, i) => [String(report.labels[i]), ...r.map(String)])));
    } else if (task === 'ner') {
      const sentences = data as ReturnType<typeof readNerData>;
      const predicted = await wordTags(bundle, encoder, sentences.map((s) => conllText(s.words).text), sentences.map((s) => s.words.length));
      const scores = entityScores(sentences.map((s) => s.tags), predicted);
      if (json) return void console.log(JSON.stringify({ task, rows: sentences.length, ...scores }));
      const pct = (v: number) => (v * 100).toFixed(2);
      console.log(`entity F1 ${pct(scores.f1)} (precision ${pct(scores.precision)}, recall ${pct(scores.recall)}) on ${sentences.length} sentences, conlleval semantics\n`);
      const rows = Object.entries(scores.perType).map(([type, s]) => [type, pct(s.precision), pct(s.recall), pct(s.f1), String(s.gold)]);
      console.log(table(['type', 'precision', 'recall', 'f1', 'gold'], rows));
    } else {
      const questions = data as ReturnType<typeof readQa>;
      const predicted = await answer(bundle, encoder, questions);
      const scores = squadScores(predicted.map((x) => x.answer), questions.map((q) => q.answers));
      if (json) return void console.log(JSON.stringify({ task, rows: questions.length, ...scores }));
      console.log(`exact match ${scores.exactMatch.toFixed(2)}, F1 ${scores.f1.toFixed(2)} on ${questions.length} questions (SQuAD normalisation)`);
    }
  } finally {
    await encoder.release();
  }
}
