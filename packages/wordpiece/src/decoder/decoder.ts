/** Turns token strings back into text (the last stage of Hugging Face's pipeline). */
export interface Decoder {
  decode(tokens: readonly string[]): string;
}
