import { WordPieceTokenizer } from '../dist/index.js';
import tk from 'tokenizers';
const path = '/work/shared/tokenizers/bert-base-uncased/tokenizer.json';
const ours = WordPieceTokenizer.fromFile(path);
const oracle = tk.Tokenizer.fromFile(path);
for (const s of ['héllo wörld', 'a😀b c', '中文abc', 'x[MASK]y [SEP]z [mask]', 'İstanbul ΑΣ', '한국어', 'e\u0301t\u0301', '🥰 hi', '\u0000a\ufffdb\u200bc\u00adD', "don't", '']) {
  const e = ours.encode(s);
  const o = await oracle.encode(s, null);
  const same = JSON.stringify([e.ids, e.tokens, e.wordIds]) === JSON.stringify([o.getIds(), o.getTokens(), o.getWordIds()]);
  console.log(same ? 'OK ' : 'BAD', JSON.stringify(s), e.tokens, JSON.stringify(e.offsets), same ? '' : JSON.stringify(o.getTokens()));
}
console.log(ours.decode(ours.encode("Hello, world! don't do not").ids), '|', await oracle.decode(ours.encode("Hello, world! don't do not").ids, false));
