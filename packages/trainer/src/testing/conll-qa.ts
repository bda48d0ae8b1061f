import type { ConllSentence } from '../datasets.js';
import { entitiesFromTags } from '../entity-metrics.js';

export interface QaExample {
  question: string;
  context: string;
  /** Character span of the answer in the context, or null for a question without answer. */
  answer: { start: number; end: number; text: string } | null;
}

const ASK: Record<string, string> = { PER: 'Which person is mentioned?', LOC: 'Which place is mentioned?', ORG: 'Which organization is mentioned?' };

/**
 * A QA set built from shared CoNLL text (no SQuAD copy exists here): each sentence becomes a context,
 * each entity type a templated question whose answer is the sentence's first entity of that type, and a
 * type the sentence lacks an unanswerable question.
 */
export function conllQa(sentences: readonly ConllSentence[]): QaExample[] {
  const out: QaExample[] = [];
  for (const s of sentences) {
    const starts: number[] = [];
    let context = '';
    for (const w of s.words) {
      if (context) context += ' ';
      starts.push(context.length);
      context += w;
    }
    const entities = entitiesFromTags(s.tags);
    for (const [type, question] of Object.entries(ASK)) {
      const e = entities.find((x) => x.type === type);
      if (!e) {
        out.push({ question, context, answer: null });
        continue;
      }
      const start = starts[e.start] as number;
      const end = (starts[e.end - 1] as number) + (s.words[e.end - 1] as string).length;
      out.push({ question, context, answer: { start, end, text: context.slice(start, end) } });
    }
  }
  return out;
}
