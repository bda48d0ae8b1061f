/**
 * NER data with entities placed at known words: a planted signal the stand-ins' random features can
 * carry (each name is its own token), so entity tests assert real predictions instead of looping over none.
 */
export const PLANTED_NAMES = {
  PER: ['smith', 'garcia', 'mueller', 'tanaka', 'okafor', 'ivanova'],
  LOC: ['paris', 'lagos', 'lima', 'oslo', 'cairo', 'quito'],
  ORG: ['unesco', 'fifa', 'nasa', 'interpol', 'opec', 'unicef'],
} as const;
const TEMPLATES = ['PER visited LOC on monday .', 'the report by ORG was read by PER .', 'PER met officials of ORG in LOC .', 'in LOC , ORG said it would wait .'];

export interface PlantedSentence {
  words: string[];
  tags: string[];
}

/** `n` seeded sentences from the templates, each name a B- entity. */
export function plantedSentences(n: number, seed: number): PlantedSentence[] {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648), state / 2147483648);
  return Array.from({ length: n }, () => {
    const template = TEMPLATES[Math.floor(next() * TEMPLATES.length)] as string;
    const words: string[] = [];
    const tags: string[] = [];
    for (const w of template.split(' ')) {
      const names = PLANTED_NAMES[w as keyof typeof PLANTED_NAMES] as readonly string[] | undefined;
      words.push(names ? (names[Math.floor(next() * names.length)] as string) : w);
      tags.push(names ? `B-${w}` : 'O');
    }
    return { words, tags };
  });
}

/** CoNLL-2003 text (word POS chunk tag) of the sentences. */
export const plantedConll = (sentences: readonly PlantedSentence[]): string => `${sentences.map((s) => s.words.map((w, i) => `${w} X X ${s.tags[i]}`).join('\n')).join('\n\n')}\n`;
