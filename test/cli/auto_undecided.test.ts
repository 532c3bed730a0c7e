// A budget too small to train on images is "undecided", not "no signal": its
// own exit code (7; 6 is a file that could not be written), and the message names the budget that would be enough.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

describe('sixstep auto on images with too small a budget', () => {
  it('exits 7 (undecided) with the budget that would be enough; the images are read at their own 1×16×16', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-undecided-'));
    // Three classes told apart by where a faint 3×3 patch sits in noise: learnable, but not in one step.
    let seed = 7;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 120;
    for (const [k, name] of ['left', 'middle', 'right'].entries()) {
      mkdirSync(join(cwd, 'imgs', name), { recursive: true });
      for (let i = 0; i < 20; i++) {
        const px = Buffer.from(Array.from({ length: 256 }, noise));
        for (let y = 6; y < 9; y++) for (let x = 2 + 5 * k; x < 5 + 5 * k; x++) px[y * 16 + x] += 60;
        await sharp(px, { raw: { width: 16, height: 16, channels: 1 } }).toColourspace('b-w').png().toFile(join(cwd, 'imgs', name, `${i}.png`));
      }
    }
    // 3 s: one epoch of one batch, no more.
    const r = spawnSync(process.execPath, [cli, 'auto', '--data', 'imgs', '--budget', '0.05', '--json'], { cwd, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 7, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.signal.verdict, 'undecided');
    assert.match(j.signal.message, /^Undecided: the budget is too small to judge.*only 1 epoch\(s\).*run again with --budget \d+\./);
    assert.ok(j.signal.budget.minutes >= 1);
    const said = j.decisions.find((d: { action: string }) => d.action.startsWith('stop: undecided'));
    assert.equal(said.reason, j.signal.message, 'the decision and the summary quote one verdict');
    assert.ok(!j.decisions.some((d: { action: string }) => /no signal/.test(d.action)));
    assert.deepEqual(j.architecture[0].shapes.weight, [16, 1, 3, 3], 'a 1-channel stem');
    const doctor = spawnSync(process.execPath, [cli, 'doctor', '--json'], { cwd, encoding: 'utf8', timeout: 60_000 });
    const d = JSON.parse(doctor.stdout);
    assert.equal(d.bias.verdict, j.signal.message);
    assert.match(d.next.join(' '), new RegExp(`--budget ${j.signal.budget.minutes}`));
  });

  it('--image-size is checked at the edge', () => {
    const r = spawnSync(process.execPath, [cli, 'plan', '--data', 'nowhere', '--image-size', '3'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--image-size expects an integer from 8 to 1024, found "3"/);
  });
});
