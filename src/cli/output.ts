// How the CLI speaks: human text on stderr-free stdout, colors only on a TTY,
// one JSON object on stdout with --json (progress then goes to stderr).

export interface Out {
  json: boolean;
  /** A line for people (suppressed with --json). */
  say(text: string): void;
  /** A heading. */
  step(n: number | string, title: string): void;
  /** The final JSON object (with --json). */
  result(obj: unknown): void;
  color: { bold(s: string): string; dim(s: string): string; green(s: string): string; yellow(s: string): string; red(s: string): string; cyan(s: string): string };
}

export function makeOut(json: boolean): Out {
  const tty = Boolean(process.stdout.isTTY) && !json && !process.env.NO_COLOR;
  const wrap = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
  const color = { bold: wrap('1'), dim: wrap('2'), green: wrap('32'), yellow: wrap('33'), red: wrap('31'), cyan: wrap('36') };
  return {
    json,
    color,
    say: (text) => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    step: (n, title) => {
      if (!json) process.stdout.write(`\n${color.bold(`${typeof n === 'number' ? `Step ${n}` : n} — ${title}`)}\n`);
    },
    result: (obj) => {
      if (json) process.stdout.write(`${JSON.stringify(obj, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`);
    },
  };
}
