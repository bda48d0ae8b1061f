import { HeadsError } from './errors.js';

export type Label = number | string;

/**
 * Maps labels to class indexes 0..K-1 in sorted order (numbers numerically, strings by code unit), as
 * numpy.unique orders scikit-learn's classes_, so coefficient rows line up with scikit-learn's.
 */
export class LabelIndex {
  readonly classes: Label[];
  private readonly index: Map<Label, number>;

  constructor(classes: Label[]) {
    this.classes = classes;
    this.index = new Map(classes.map((c, i) => [c, i]));
  }

  static fit(y: readonly Label[], argument = 'y'): LabelIndex {
    if (!Array.isArray(y) || y.length === 0) throw new HeadsError('E_EMPTY', `${argument} must be a non-empty array of labels`);
    const kind = typeof y[0];
    y.forEach((v, i) => {
      if ((typeof v !== 'number' && typeof v !== 'string') || typeof v !== kind || (typeof v === 'number' && !Number.isFinite(v))) {
        throw new HeadsError('E_INVALID_OPTION', `${argument}[${i}] is ${JSON.stringify(v)}; labels must be all finite numbers or all strings`);
      }
    });
    const unique = [...new Set(y)];
    unique.sort((a, b) => (typeof a === 'number' ? a - (b as number) : a < b ? -1 : a > b ? 1 : 0));
    return new LabelIndex(unique);
  }

  encode(y: readonly Label[], argument = 'y'): Int32Array {
    const out = new Int32Array(y.length);
    y.forEach((v, i) => {
      const k = this.index.get(v);
      if (k === undefined) throw new HeadsError('E_UNKNOWN_LABEL', `${argument}[${i}] is ${JSON.stringify(v)}, not one of the fitted classes ${JSON.stringify(this.classes)}`);
      out[i] = k;
    });
    return out;
  }

  decode(k: number): Label {
    return this.classes[k] as Label;
  }
}
