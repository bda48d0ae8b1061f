import tk from 'tokenizers';
const n = tk.bertNormalizer({cleanText:true, handleChineseChars:false, stripAccents:false, lowercase:false});
const p = tk.bertPreTokenizer();
let t0=performance.now(); let removed=0;
for (let cp=0; cp<0x110000; cp++) { if (cp>=0xd800&&cp<0xe000) continue; const s=String.fromCodePoint(cp); const o=n.normalizeString('a'+s+'a'); if (o==='aa') removed++; }
console.log('norm', performance.now()-t0, removed);
t0=performance.now();
let punct=0;
for (let cp=0; cp<0x110000; cp++) { if (cp>=0xd800&&cp<0xe000) continue; const s=String.fromCodePoint(cp); const o=p.preTokenizeString('a'+s+'a'); if (o.length===3) punct++; }
console.log('pre', performance.now()-t0, punct);
console.log(n.normalizeString('a\ud800b'), JSON.stringify(p.preTokenizeString('a\ud800b')));
