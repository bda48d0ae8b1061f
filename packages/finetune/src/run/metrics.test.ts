import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@bertkit/onnx-builder';
import { bestSpan, classifyMetrics, multiLabelMetrics, nerMetrics, qaMetrics, regressionMetrics } from './metrics.js';

/** A python3 importing scikit-learn: $BERTKIT_PYTHON, Debian's /usr/bin/python3, python3. In CI its absence fails the test. */
function sklearnPython(): string | null {
  for (const py of [process.env.BERTKIT_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p))) {
    try {
      execFileSync(py, ['-c', 'import sklearn, numpy'], { stdio: 'ignore' });
      return py;
    } catch {
      // next
    }
  }
  if (process.env.CI) throw new Error('no python3 with scikit-learn found (tried $BERTKIT_PYTHON, /usr/bin/python3, python3); install python3-sklearn');
  return null;
}

const ORACLE = `
import json, sys, numpy as np
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error
d = json.load(sys.stdin)
out = {}
out['classify'] = {'accuracy': accuracy_score(d['cg'], d['cp']), 'f1': f1_score(d['cg'], d['cp'], average='macro')}
g, p = np.array(d['mg']), np.array(d['mp'])
out['multi'] = {'f1': f1_score(g, p, average='micro'), 'accuracy': accuracy_score(g, p)}
out['regression'] = {'mse': mean_squared_error(d['rg'], d['rp']), 'pearson': float(np.corrcoef(d['rg'], d['rp'])[0, 1])}
print(json.dumps(out))
`;

describe('dev metrics', () => {
  it('classification, multi-label and regression equal scikit-learn / numpy on random data', () => {
    const py = sklearnPython();
    if (!py) {
      console.warn('skipping the scikit-learn metric comparison: no python3 imports scikit-learn (set BERTKIT_PYTHON or apt install python3-sklearn)');
      return;
    }
    const rng = new SeededRandom(5);
    const int = (k: number) => Math.floor(rng.uniform() * k);
    const cg = Array.from({ length: 200 }, () => int(4));
    const cp = cg.map((g) => (rng.uniform() < 0.6 ? g : int(5))); // a class only predicted, as sklearn's union of labels
    const mg = Array.from({ length: 100 }, () => [int(2), int(2), int(2)]);
    const mp = mg.map((row) => row.map((v) => (rng.uniform() < 0.8 ? v : 1 - v)));
    const rg = Array.from({ length: 100 }, () => rng.normal());
    const rp = rg.map((v) => v * 0.7 + rng.normal() * 0.5);
    const want = JSON.parse(execFileSync(py, ['-c', ORACLE], { input: JSON.stringify({ cg, cp, mg, mp, rg, rp }) }).toString()) as Record<string, Record<string, number>>;
    const close = (got: Record<string, number>, expected: Record<string, number>) => {
      for (const [k, v] of Object.entries(expected)) expect(got[k], k).toBeCloseTo(v, 10);
    };
    close(classifyMetrics(cg, cp), want.classify!);
    close(multiLabelMetrics(mg, mp), want.multi!);
    close(regressionMetrics(rg, rp), want.regression!);
  });

  it('NER entity scores over the labelled positions, conlleval rules', () => {
    const names = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
    // gold: PER(0-1) LOC(3); predicted: PER(0-1) right, LOC at 3 typed PER (wrong), an extra LOC at 4.
    const m = nerMetrics([[1, 2, 0, 3, 0]], [[1, 2, 0, 1, 3]], names);
    expect(m.precision).toBeCloseTo(1 / 3, 12);
    expect(m.recall).toBeCloseTo(1 / 2, 12);
    expect(m.f1).toBeCloseTo(0.4, 12);
    expect(m.accuracy).toBeCloseTo(3 / 5, 12);
  });

  it('QA: best span start <= end within 30 tokens; exact and token F1', () => {
    const start = Float32Array.from([0, 5, 0, 0, 9]);
    const end = Float32Array.from([0, 0, 4, 0, 1]);
    expect(bestSpan(start, end, 5)).toEqual([4, 4]); // 9 + 1 beats 5 + 4; (4, 2) is invalid
    expect(bestSpan(start, end, 5, 1)).toEqual([4, 4]);
    const long = new Float32Array(40);
    const longEnd = new Float32Array(40);
    long[2] = 10;
    longEnd[35] = 10;
    longEnd[20] = 1;
    expect(bestSpan(long, longEnd, 40)).toEqual([2, 20]); // the end at 35 is 33 tokens away
    const m = qaMetrics([[3, 5], [1, 1]], [[3, 5], [1, 2]]);
    expect(m.exact).toBe(0.5);
    expect(m.f1).toBeCloseTo((1 + 2 / 3) / 2, 12); // second: overlap 1, precision 1/2, recall 1 -> 2/3
  });
});
