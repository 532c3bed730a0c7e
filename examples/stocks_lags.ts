// The seed's example of a problem without signal: "trying to predict a
// stock's future price based solely on that stock's historical prices".
// Writes a table from vega-datasets' stocks.csv: per symbol and month, the
// date, the three previous monthly prices and the price to predict, in date
// order. Prices are a time series, so the model is validated and tested on
// later months than it learned from: a time split.
//   node dist/examples/stocks_lags.js [out.csv]   then
//   sixstep auto --data out.csv --target price --split-by time:date   → "No signal beyond the naive baseline"
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** vega-datasets' data folder (its package exports do not expose the files). */
export function vegaDataDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'vega-datasets', 'data');
}

export function stocksLagsCsv(lags = 3): string {
  const src = readFileSync(join(vegaDataDir(), 'stocks.csv'), 'utf8').trim().split('\n').slice(1);
  const bySymbol = new Map<string, Array<{ t: number; price: number }>>();
  for (const line of src) {
    const [symbol, date, price] = line.split(',');
    if (!bySymbol.has(symbol)) bySymbol.set(symbol, []);
    bySymbol.get(symbol)!.push({ t: Date.parse(date), price: Number(price) });
  }
  const header = ['date', 'symbol', ...Array.from({ length: lags }, (_, i) => `price_lag${i + 1}`), 'price'];
  const rows: Array<{ t: number; symbol: string; line: string }> = [];
  for (const [symbol, series] of bySymbol) {
    series.sort((a, b) => a.t - b.t);
    for (let i = lags; i < series.length; i++) {
      const date = new Date(Date.UTC(new Date(series[i].t).getFullYear(), new Date(series[i].t).getMonth(), 1)).toISOString().slice(0, 10);
      rows.push({ t: series[i].t, symbol, line: [date, symbol, ...Array.from({ length: lags }, (_, k) => series[i - 1 - k].price), series[i].price].join(',') });
    }
  }
  rows.sort((a, b) => a.t - b.t || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return `${[header.join(','), ...rows.map((r) => r.line)].join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'stocks-lags.csv';
  writeFileSync(out, stocksLagsCsv());
  console.log(`wrote ${out}`);
}
