import { readFileSync } from 'node:fs';
import { TrainerError } from './errors.js';

export interface TextExample {
  text: string;
  /** Second sentence of a pair task, when a pair column is chosen. */
  pair?: string;
  label: string;
  /** 1-based line in the file, for error messages further on. */
  line: number;
}

export interface TableOptions {
  /** ',' or '\t'. Default: '\t' for .tsv, ',' for .csv, else detected from the first line. */
  delimiter?: string;
  /** Whether the first row is a header. Default: detected (a header row names the chosen columns or has no numeric label). */
  header?: boolean;
  /** Column name (with a header) or 0-based index. Defaults: 'sentence'/'text' or 0, and 'label' or the last column. */
  textColumn?: string | number;
  labelColumn?: string | number;
  pairColumn?: string | number;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TrainerError('E_READ', `cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { file: path });
  }
}

/** Splits delimited text into rows with RFC 4180 quoting ("a ""quoted"" field", embedded newlines); records the line each row starts on. */
export function parseDelimited(text: string, delimiter: string, file = '<input>'): Array<{ cells: string[]; line: number }> {
  const rows: Array<{ cells: string[]; line: number }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (c === delimiter) {
      cells.push(cell);
      cell = '';
      fieldStart = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (!(cells.length === 1 && cells[0] === '')) rows.push({ cells, line: rowLine });
      cells = [];
      cell = '';
      fieldStart = true;
      line++;
      rowLine = line;
    } else {
      cell += c;
      fieldStart = false;
    }
  }
  if (quoted) throw new TrainerError('E_PARSE', 'a quoted field is never closed', { file, line: rowLine });
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    rows.push({ cells, line: rowLine });
  }
  return rows;
}

/** Reads a TSV or CSV of labelled texts (optionally pairs); every error names the file, line and column. */
export function readTable(path: string, options: TableOptions = {}): TextExample[] {
  const text = read(path).replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  const delimiter = options.delimiter ?? (path.endsWith('.tsv') ? '\t' : path.endsWith('.csv') ? ',' : firstLine.includes('\t') ? '\t' : ',');
  const rows = parseDelimited(text, delimiter, path);
  if (rows.length === 0) throw new TrainerError('E_PARSE', 'no rows', { file: path });
  const first = rows[0]?.cells as string[];
  const names = ['sentence', 'text', 'label', 'sentence1', 'sentence2', 'question', 'premise', 'hypothesis'];
  const header = options.header ?? (first.some((c) => names.includes(c.trim().toLowerCase())) || [options.textColumn, options.labelColumn, options.pairColumn].some((c) => typeof c === 'string' && first.includes(c)));
  const width = first.length;
  const column = (choice: string | number | undefined, fallback: string[], index: number, role: string): number => {
    if (typeof choice === 'number') {
      if (!Number.isInteger(choice) || choice < 0 || choice >= width) throw new TrainerError('E_INVALID_OPTION', `${role} column ${choice} does not exist (rows have ${width} columns)`, { file: path, line: 1 });
      return choice;
    }
    if (typeof choice === 'string') {
      if (!header) throw new TrainerError('E_INVALID_OPTION', `${role} column "${choice}" is a name but the file has no header row`, { file: path, line: 1 });
      const k = first.indexOf(choice);
      if (k < 0) throw new TrainerError('E_INVALID_OPTION', `no ${role} column "${choice}" (the header has ${first.map((c) => `"${c}"`).join(', ')})`, { file: path, line: 1 });
      return k;
    }
    if (header) {
      const k = first.findIndex((c) => fallback.includes(c.trim().toLowerCase()));
      if (k >= 0) return k;
    }
    return index < 0 ? width + index : index;
  };
  const textCol = column(options.textColumn, ['sentence', 'text', 'sentence1', 'question', 'premise'], 0, 'text');
  const labelCol = column(options.labelColumn, ['label'], -1, 'label');
  const pairCol = options.pairColumn === undefined ? null : column(options.pairColumn, [], 1, 'pair');
  if (labelCol === textCol) throw new TrainerError('E_INVALID_OPTION', `the text and label columns are the same (${textCol}); rows need at least two columns`, { file: path, line: 1 });
  const needed = Math.max(textCol, labelCol, pairCol ?? 0) + 1;
  return rows.slice(header ? 1 : 0).map(({ cells, line }) => {
    if (cells.length !== width) {
      throw new TrainerError('E_PARSE', `row has ${cells.length} column(s), the ${header ? 'header' : 'first row'} has ${width} (a ragged row; a stray ${delimiter === '\t' ? 'TAB' : 'delimiter'} or quote?)`, { file: path, line });
    }
    if (cells.length < needed) throw new TrainerError('E_PARSE', `row has ${cells.length} column(s), ${needed} needed`, { file: path, line });
    const label = (cells[labelCol] as string).trim();
    if (label === '') throw new TrainerError('E_PARSE', `empty label in column ${labelCol}`, { file: path, line });
    const example: TextExample = { text: cells[textCol] as string, label, line };
    if (pairCol !== null) example.pair = cells[pairCol] as string;
    return example;
  });
}

/** The non-blank lines of a JSON Lines file as objects, each with its 1-based line. */
function jsonLines(path: string): Array<{ row: Record<string, unknown>; line: number }> {
  const out: Array<{ row: Record<string, unknown>; line: number }> = [];
  read(path)
    .split('\n')
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(raw);
      } catch (cause) {
        throw new TrainerError('E_PARSE', `invalid JSON (${(cause as Error).message})`, { file: path, line });
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new TrainerError('E_PARSE', 'each line must be a JSON object', { file: path, line });
      out.push({ row: row as Record<string, unknown>, line });
    });
  return out;
}

/** Reads JSON Lines with `text` (and optionally `pair`) and `label` fields (names configurable). */
export function readJsonl(path: string, fields: { text?: string; label?: string; pair?: string } = {}): TextExample[] {
  const [textKey, labelKey, pairKey] = [fields.text ?? 'text', fields.label ?? 'label', fields.pair];
  return jsonLines(path).map(({ row, line }) => {
    const text = row[textKey];
    const label = row[labelKey];
    if (typeof text !== 'string') throw new TrainerError('E_PARSE', `"${textKey}" must be a string, got ${JSON.stringify(text)}`, { file: path, line });
    if (typeof label !== 'string' && typeof label !== 'number') throw new TrainerError('E_PARSE', `"${labelKey}" must be a string or number, got ${JSON.stringify(label)}`, { file: path, line });
    const example: TextExample = { text, label: String(label), line };
    if (pairKey !== undefined) {
      const pair = row[pairKey];
      if (typeof pair !== 'string') throw new TrainerError('E_PARSE', `"${pairKey}" must be a string, got ${JSON.stringify(pair)}`, { file: path, line });
      example.pair = pair;
    }
    return example;
  });
}

export interface QaExample {
  question: string;
  context: string;
  /** The answer that trains a span head: its character span in the context; null when unanswerable. */
  answer: { start: number; end: number; text: string } | null;
  /** Every gold answer text (SQuAD scores a prediction against the best of them); empty when unanswerable. */
  answers: string[];
  /** 1-based line in the file (0 for examples not read from one). */
  line: number;
}

/**
 * SQuAD-style JSON Lines: {question, context, answers: {text: [...], answer_start: [...]}} (the Hugging
 * Face datasets layout) or {question, context, answer: {text, start}}; no answers for an unanswerable one.
 * Every answer must stand in its context at its offset.
 */
export function readQa(path: string): QaExample[] {
  const out = jsonLines(path).map(({ row, line }): QaExample => {
    const fail = (why: string) => new TrainerError('E_PARSE', why, { file: path, line });
    const { question, context } = row;
    if (typeof question !== 'string' || typeof context !== 'string') throw fail('"question" and "context" must be strings');
    let texts: string[] = [];
    let starts: number[] = [];
    if (row.answers && typeof row.answers === 'object') {
      const a = row.answers as { text?: unknown; answer_start?: unknown };
      if (!Array.isArray(a.text) || !Array.isArray(a.answer_start) || a.text.length !== a.answer_start.length) throw fail('"answers" must hold equal-length "text" and "answer_start" arrays');
      texts = a.text.map(String);
      starts = a.answer_start.map(Number);
    } else if (row.answer && typeof row.answer === 'object') {
      const a = row.answer as { text?: unknown; start?: unknown };
      texts = [String(a.text)];
      starts = [Number(a.start)];
    }
    texts.forEach((t, k) => {
      const start = starts[k] as number;
      if (!Number.isInteger(start) || context.slice(start, start + t.length) !== t) throw fail(`answer ${JSON.stringify(t)} is not at offset ${start} of the context`);
    });
    const first = texts[0];
    const start = starts[0] as number;
    return { question, context, answer: first === undefined ? null : { start, end: start + first.length, text: first }, answers: texts, line };
  });
  if (out.length === 0) throw new TrainerError('E_PARSE', 'no questions', { file: path });
  return out;
}

export interface ConllSentence {
  words: string[];
  tags: string[];
  /** 1-based line of the first word. */
  line: number;
  /** Index of the document (-DOCSTART- lines separate documents). */
  document: number;
}

/** A CoNLL sentence's words joined by single spaces, and the character where each word starts. */
export function conllText(words: readonly string[]): { text: string; starts: number[] } {
  const starts: number[] = [];
  let text = '';
  for (const w of words) {
    if (text) text += ' ';
    starts.push(text.length);
    text += w;
  }
  return { text, starts };
}

/** Reads CoNLL columns (word first, tag in `tagColumn`, default the last); blank lines end sentences. */
export function readConll(path: string, options: { tagColumn?: number } = {}): ConllSentence[] {
  const sentences: ConllSentence[] = [];
  let current: ConllSentence | null = null;
  let document = 0;
  let width = -1;
  read(path)
    .split('\n')
    .forEach((raw, i) => {
      const line = i + 1;
      const text = raw.replace(/\r$/, '');
      if (text.trim() === '') {
        if (current) sentences.push(current);
        current = null;
        return;
      }
      const cols = text.split(/[ \t]+/);
      if (cols[0] === '-DOCSTART-') {
        document++;
        return;
      }
      if (width < 0) width = cols.length;
      if (cols.length !== width) throw new TrainerError('E_PARSE', `line has ${cols.length} columns, earlier lines have ${width}`, { file: path, line });
      const tagCol = options.tagColumn ?? cols.length - 1;
      if (tagCol < 1 || tagCol >= cols.length) throw new TrainerError('E_INVALID_OPTION', `tag column ${tagCol} does not exist (lines have ${cols.length})`, { file: path, line });
      const tag = cols[tagCol] as string;
      if (!/^(O|[BIES]-.+)$/.test(tag)) throw new TrainerError('E_PARSE', `tag ${JSON.stringify(tag)} is not O or B-/I-/E-/S-TYPE`, { file: path, line });
      current ??= { words: [], tags: [], line, document };
      current.words.push(cols[0] as string);
      current.tags.push(tag);
    });
  if (current) sentences.push(current);
  if (sentences.length === 0) throw new TrainerError('E_PARSE', 'no sentences', { file: path });
  return sentences;
}
