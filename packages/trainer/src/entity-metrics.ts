import { TrainerError } from './errors.js';

export interface Entity {
  /** Token index of the first token, and one past the last. */
  start: number;
  end: number;
  type: string;
}

function split(tag: string): [string, string] {
  if (tag === 'O' || tag === '') return ['O', ''];
  const dash = tag.indexOf('-');
  return dash < 0 ? [tag, ''] : [tag.slice(0, dash), tag.slice(dash + 1)];
}

// conlleval's endOfChunk / startOfChunk, for IOB1, IOB2 and IOBES tags.
function endsChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevType !== type;
}

function startsChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && prevType !== type;
}

/** Entities of one sentence's tags with conlleval's rules: an I- after O or after another type starts an entity. */
export function entitiesFromTags(tags: readonly string[]): Entity[] {
  const out: Entity[] = [];
  let prevTag = 'O';
  let prevType = '';
  let open: Entity | null = null;
  tags.forEach((raw, i) => {
    const [tag, type] = split(raw);
    if (open && endsChunk(prevTag, tag, prevType, type)) {
      open.end = i;
      out.push(open);
      open = null;
    }
    if (startsChunk(prevTag, tag, prevType, type)) open = { start: i, end: i + 1, type };
    prevTag = tag;
    prevType = type;
  });
  if (open) {
    (open as Entity).end = tags.length;
    out.push(open);
  }
  return out;
}

export interface EntityScores {
  precision: number;
  recall: number;
  f1: number;
  /** Gold entities, predicted entities and exact matches (span and type). */
  gold: number;
  predicted: number;
  correct: number;
}

/** conlleval's entity-level precision, recall and F1 over sentences, overall and per type. */
export function entityScores(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): EntityScores & { perType: Record<string, EntityScores> } {
  if (gold.length !== predicted.length) throw new TrainerError('E_SHAPE', `${gold.length} gold sentences but ${predicted.length} predicted`);
  const counts = new Map<string, { gold: number; predicted: number; correct: number }>();
  const bump = (type: string, key: 'gold' | 'predicted' | 'correct') => {
    const c = counts.get(type) ?? { gold: 0, predicted: 0, correct: 0 };
    c[key]++;
    counts.set(type, c);
  };
  gold.forEach((tags, s) => {
    const p = predicted[s] as readonly string[];
    if (p.length !== tags.length) throw new TrainerError('E_SHAPE', `sentence ${s}: ${tags.length} gold tags but ${p.length} predicted`);
    const g = entitiesFromTags(tags);
    const q = entitiesFromTags(p);
    const key = (e: Entity) => `${e.start}:${e.end}:${e.type}`;
    const goldKeys = new Set(g.map(key));
    for (const e of g) bump(e.type, 'gold');
    for (const e of q) {
      bump(e.type, 'predicted');
      if (goldKeys.has(key(e))) bump(e.type, 'correct');
    }
  });
  const score = (c: { gold: number; predicted: number; correct: number }): EntityScores => {
    const precision = c.predicted === 0 ? 0 : c.correct / c.predicted;
    const recall = c.gold === 0 ? 0 : c.correct / c.gold;
    return { ...c, precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
  };
  const total = { gold: 0, predicted: 0, correct: 0 };
  for (const c of counts.values()) {
    total.gold += c.gold;
    total.predicted += c.predicted;
    total.correct += c.correct;
  }
  return { ...score(total), perType: Object.fromEntries([...counts.entries()].sort().map(([t, c]) => [t, score(c)])) };
}
