// Expected scaling to N machines, on paper, from bench/distributed.js's
// measurements: each machine computes a step on its own 128 rows at the
// measured single-machine speed (2 threads), then the gradients are
// allreduced over a ring — 2(N−1)/N × gradient bytes ÷ link bandwidth plus
// 2(N−1) hops × latency — with no overlap of communication and computation
// (sixstep allreduces after backward). The network is an assumption, given
// on the command line; the loopback figures are printed beside it.
//   node dist/bench/distributed.js --json > d.json && node dist/bench/scaling.js d.json [--gbs 1.1] [--latency-us 50]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const args = parseArgs({ allowPositionals: true, options: { gbs: { type: 'string', default: '1.1' }, 'latency-us': { type: 'string', default: '50' }, batch: { type: 'string', default: '128' } } });
const file = args.positionals[0];
if (!file) throw new Error('usage: node dist/bench/scaling.js <output of bench/distributed.js --json> [--gbs 1.1] [--latency-us 50]');
const m = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!) as { allreduce: Array<{ bytes: number; medianMs: number; algGBs: number }>; fits: Array<{ model: string; params: number; ranks: number; threads: number; samplesPerSecond: number; commShare: number[] }> };
const bw = Number(args.values.gbs) * 1e9;
const alpha = Number(args.values['latency-us']) / 1e6;
const batch = Number(args.values.batch);
const loop = m.allreduce;
console.log(`measured on loopback: latency ${(loop[0].medianMs * 1000).toFixed(0)} µs (4 B), ${loop[1].algGBs.toFixed(2)} GB/s at 1 MB, ${loop[2].algGBs.toFixed(2)} GB/s at 64 MB`);
console.log(`assumed network: ${(bw / 1e9).toFixed(2)} GB/s per link, ${(alpha * 1e6).toFixed(0)} µs per hop; ${batch} rows per machine per step`);
console.log('\n| model | gradients | N = 1 | 2 | 4 | 8 | 16 | 32 |');
console.log('|---|---|---|---|---|---|---|---|');
for (const model of [...new Set(m.fits.map((f) => f.model))]) {
  const one = m.fits.find((f) => f.model === model && f.ranks === 1 && f.threads === 2)!;
  const bytes = one.params * 4;
  const compute = batch / one.samplesPerSecond;
  const cells = [1, 2, 4, 8, 16, 32].map((n) => {
    const comm = n === 1 ? 0 : ((2 * (n - 1)) / n) * (bytes / bw) + 2 * (n - 1) * alpha;
    const speedup = (n * compute) / (compute + comm);
    return `${speedup.toFixed(1)}× (${((100 * speedup) / n).toFixed(0)} %)`;
  });
  console.log(`| ${model} | ${(bytes / 1e6).toFixed(1)} MB | ${cells.join(' | ')} |`);
}
console.log('\ncells: speed-up over one machine (efficiency); weak scaling — the global batch grows with N.');
