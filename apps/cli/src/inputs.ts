import { createReadStream, readFileSync, readSync } from 'node:fs';
import { isatty } from 'node:tty';
import { CliError } from './cli-error.js';

export type TextInput = string | [string, string];

export interface TextOptions {
  /** Lines are TAB-separated pairs (text, paired text). */
  pairs?: boolean;
  /** Skip the first line. */
  header?: boolean;
}

/** The name errors use for an input path. */
export function inputName(path: string): string {
  return path === '-' ? 'standard input' : path;
}

// Reading a terminal would wait for input nobody knows to type: say what to give instead. tty.isatty
// only asks; touching process.stdin.isTTY would create the stream and flip a pipe to non-blocking,
// after which a synchronous read of fd 0 fails with EAGAIN.
function refuseTerminal(path: string): void {
  if (path === '-' && isatty(0)) throw new CliError('E_USAGE', 'no input: give a file, or pipe text into standard input (see --help)');
}

function readError(path: string, cause: unknown): CliError {
  const code = (cause as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
  return new CliError('E_INPUT', `cannot read ${inputName(path)}: ${why}`);
}

/**
 * A file's whole text, or standard input for '-' (for commands that need everything at once, e.g. JSON
 * documents). Prefer `readTextStream` for line input: it never holds more than a chunk.
 */
export function readInput(path: string): string {
  refuseTerminal(path);
  if (path !== '-') {
    try {
      return readFileSync(path, 'utf8');
    } catch (cause) {
      throw readError(path, cause);
    }
  }
  // fd 0 may be a non-blocking pipe (set by whoever shares it): wait and retry on EAGAIN.
  const parts: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if ((cause as NodeJS.ErrnoException).code === 'EOF') break;
      throw readError(path, cause);
    }
    if (n === 0) break;
    parts.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(parts).toString('utf8');
}


/**
 * The lines of a file or of standard input ('-'), read as a stream (backpressure: the producer is
 * paused while the consumer works, so memory stays flat for any length and any producer speed). Lines
 * end at \n, an \r before it is dropped, a leading BOM is dropped, and a final newline does not start
 * an empty line.
 */
export async function* readLineStream(path: string): AsyncGenerator<string> {
  refuseTerminal(path);
  // process.stdin handles pipes, files and sockets on fd 0 asynchronously (EAGAIN is its business).
  const stream = path === '-' ? process.stdin : createReadStream(path);
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text = rest + decoder.decode(chunk, { stream: true });
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        yield text.charCodeAt(nl - 1) === 13 && nl > start ? text.slice(start, nl - 1) : text.slice(start, nl);
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } catch (cause) {
    if (cause instanceof CliError) throw cause;
    throw readError(path, cause);
  } finally {
    if (path === '-') process.stdin.pause();
    else (stream as ReturnType<typeof createReadStream>).destroy();
  }
  rest += decoder.decode();
  if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

/**
 * Texts, one per line, as a stream: plain lines, or TAB-separated (.tsv, or any line with a TAB when
 * `pairs`) where the first column is the text and, with `pairs`, the second the paired text. Blank
 * lines are kept as empty texts, never a trailing newline. A bad line is a one-line error naming
 * `file:line`. This is the reader every command that takes text input uses (tokenize, embed, predict).
 */
export async function* readTextStream(path: string, options: TextOptions = {}): AsyncGenerator<TextInput> {
  const tsv = path.endsWith('.tsv');
  let number = 0;
  for await (const line of readLineStream(path)) {
    number++;
    if (options.header && number === 1) continue;
    yield parseTextLine(line, path, number, options.pairs === true, tsv);
  }
}

function parseTextLine(line: string, path: string, number: number, pairs: boolean, tsv: boolean): TextInput {
  if (pairs) {
    const cells = line.split('\t');
    if (cells.length < 2) throw new CliError('E_INPUT', `${inputName(path)}:${number}: --pair needs TAB-separated text pairs, this line has no TAB`);
    return [cells[0] as string, cells[1] as string];
  }
  if (!tsv) return line;
  const tab = line.indexOf('\t');
  return tab === -1 ? line : line.slice(0, tab);
}

/** Every text of a file or standard input at once (for commands that need them all, e.g. to batch by length). */
export async function readTextsAsync(path: string, options: TextOptions = {}): Promise<TextInput[]> {
  const out: TextInput[] = [];
  for await (const t of readTextStream(path, options)) out.push(t);
  return out;
}

/**
 * Texts, one per line, read synchronously (kept for callers not yet streaming; standard input is read
 * whole). Same parsing as `readTextStream`.
 */
export function readTexts(path: string, options: TextOptions = {}): TextInput[] {
  const lines = readInput(path).replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const tsv = path.endsWith('.tsv');
  const out: TextInput[] = [];
  for (let i = options.header ? 1 : 0; i < lines.length; i++) out.push(parseTextLine(lines[i] as string, path, i + 1, options.pairs === true, tsv));
  return out;
}
