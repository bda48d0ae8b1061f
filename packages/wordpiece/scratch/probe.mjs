import { Tokenizer } from 'tokenizers';
const t = Tokenizer.fromFile('/work/shared/tokenizers/bert-base-uncased/tokenizer.json');
for (const s of ['héllo wörld', 'a😀b c', '中文abc', 'x[MASK]y [SEP]z [mask]', 'İstanbul ΑΣ', '한국어', 'e\u0301t\u0301', '🥰 hi', '\u0000a\ufffdb\u200bc\u00adD', 'don\'t']) {
  const e = await t.encode(s, null);
  console.log(JSON.stringify(s), e.getTokens(), JSON.stringify(e.getOffsets()), JSON.stringify(e.getWordIds()));
}
const e = await t.encode('hello world', 'how are you');
console.log(e.getTokens(), e.getTypeIds(), e.getSpecialTokensMask(), JSON.stringify(e.getOffsets()), e.getSequenceIds());
