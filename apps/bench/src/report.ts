import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './machine.js';

export interface Ratio {
  label: string;
  /** ours / peer: above 1 we are ahead. */
  value: number;
}

export function writeSuite(dir: string, suite: string, machine: MachineInfo, result: unknown): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${suite}.json`), `${JSON.stringify({ suite, machine, result }, null, 2)}\n`);
}

/** The `result` of a suite's last written file, or undefined when there is none. */
export function readSuite<T>(dir: string, suite: string): Partial<T> | undefined {
  const file = join(dir, `${suite}.json`);
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { result: Partial<T> }).result;
}

export function writeSummary(dir: string, machine: MachineInfo, sections: string[], ratios: Ratio[], quick: boolean): void {
  mkdirSync(dir, { recursive: true });
  const md = [
    `# bertkit bench${quick ? ' (--quick: tiny sizes, speeds not meaningful)' : ''}`,
    '',
    `${machine.date.slice(0, 10)} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, onnxruntime-node ${machine.onnxruntime}.`,
    '',
    '![ratios](ratios.svg)',
    '',
    '| comparison | ratio |',
    '| --- | --- |',
    ...ratios.map((r) => `| ${r.label} | ${r.value.toFixed(2)}x |`),
    '',
    ...sections,
  ].join('\n');
  writeFileSync(join(dir, 'latest.md'), `${md}\n`);
  writeFileSync(join(dir, 'ratios.svg'), ratioChart(ratios, `${machine.date.slice(0, 10)}, ${machine.cores} cores ${machine.cpu}`));
}

/** Horizontal bars on a log scale with the parity line marked: ahead is right of 1x, behind is left. */
export function ratioChart(ratios: Ratio[], caption: string): string {
  const width = 760;
  const left = 330;
  const barArea = width - left - 70;
  const row = 30;
  const top = 40;
  const height = top + ratios.length * row + 40;
  const maxLog = Math.log10(Math.max(8, ...ratios.map((r) => r.value)));
  const minLog = Math.log10(Math.min(0.5, ...ratios.map((r) => r.value)));
  const x = (v: number) => left + ((Math.log10(v) - minLog) / (maxLog - minLog)) * barArea;
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = ratios
    .map((r, i) => {
      const y = top + i * row;
      const x0 = x(1);
      const x1 = x(r.value);
      const color = r.value >= 1 ? '#2f855a' : '#c05621';
      return [
        `<text x="${left - 8}" y="${y + 18}" text-anchor="end" font-size="13">${escape(r.label)}</text>`,
        `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y + 5}" width="${Math.abs(x1 - x0).toFixed(1)}" height="18" fill="${color}"/>`,
        `<text x="${(Math.max(x0, x1) + 6).toFixed(1)}" y="${y + 18}" font-size="13">${r.value.toFixed(2)}x</text>`,
      ].join('');
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="22" font-size="15" font-weight="bold">bertkit speed vs peers (ratio, log scale; right of the line = faster)</text>
${bars}
<line x1="${x(1).toFixed(1)}" y1="${top - 4}" x2="${x(1).toFixed(1)}" y2="${top + ratios.length * row}" stroke="#333" stroke-dasharray="4 3"/>
<text x="${x(1).toFixed(1)}" y="${top + ratios.length * row + 16}" font-size="12" text-anchor="middle">1x</text>
<text x="10" y="${height - 8}" font-size="11" fill="#555">${escape(caption)}</text>
</svg>
`;
}
