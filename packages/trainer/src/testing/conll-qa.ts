import { type ConllSentence, type QaExample, conllText } from '../datasets.js';
import { entitiesFromTags } from '../entity-metrics.js';

const ASK: Record<string, string> = { PER: 'Which person is mentioned?', LOC: 'Which place is mentioned?', ORG: 'Which organization is mentioned?' };

/**
 * A QA set built from shared CoNLL text (no SQuAD copy exists here): each sentence becomes a context,
 * each entity type a templated question whose answer is the sentence's first entity of that type, and a
 * type the sentence lacks an unanswerable question.
 */
export function conllQa(sentences: readonly ConllSentence[]): QaExample[] {
  const out: QaExample[] = [];
  for (const s of sentences) {
    const { text: context, starts } = conllText(s.words);
    const entities = entitiesFromTags(s.tags);
    for (const [type, question] of Object.entries(ASK)) {
      const e = entities.find((x) => x.type === type);
      if (!e) {
        out.push({ question, context, answer: null, answers: [], line: s.line });
        continue;
      }
      const start = starts[e.start] as number;
      const end = (starts[e.end - 1] as number) + (s.words[e.end - 1] as string).length;
      const text = context.slice(start, end);
      out.push({ question, context, answer: { start, end, text }, answers: [text], line: s.line });
    }
  }
  return out;
}
