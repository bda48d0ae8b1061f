/** Hugging Face's WordPiece decoder: glue "##" pieces to the previous token, space the others. */
export class WordPieceDecoder {
  constructor(
    readonly prefix = '##',
    readonly cleanup = true,
  ) {}

  decode(tokens: readonly string[]): string {
    let out = '';
    for (let i = 0; i < tokens.length; i++) {
      let token = tokens[i] as string;
      if (i !== 0) token = token.startsWith(this.prefix) ? token.slice(this.prefix.length) : ` ${token}`;
      // Cleanup runs on each token (with its leading space), not on the joined text, as upstream does.
      if (this.cleanup) token = cleanupTokenization(token);
      out += token;
    }
    return out;
  }
}

const CLEANUPS: ReadonlyArray<[string, string]> = [
  [' .', '.'],
  [' ?', '?'],
  [' !', '!'],
  [' ,', ','],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [' do not', " don't"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"],
];

/** Undoes the spaces tokenization put before punctuation and English contractions. */
export function cleanupTokenization(text: string): string {
  let out = text;
  for (const [from, to] of CLEANUPS) if (out.includes(from)) out = out.split(from).join(to);
  return out;
}
