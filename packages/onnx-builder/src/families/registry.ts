import type { ModelType } from '../spec.js';
import { albert } from './albert.js';
import { bert } from './bert.js';
import { distilbert } from './distilbert.js';
import { electra } from './electra.js';
import type { Family } from './family.js';
import { mpnet } from './mpnet.js';
import { roberta } from './roberta.js';

/** Every family the builder converts; one line per family. */
export const FAMILIES: readonly Family[] = [bert, distilbert, roberta, albert, electra, mpnet];

export const MODEL_TYPES: readonly ModelType[] = FAMILIES.flatMap((f) => f.modelTypes);

export function familyOf(modelType: string): Family | undefined {
  return FAMILIES.find((f) => (f.modelTypes as readonly string[]).includes(modelType));
}
