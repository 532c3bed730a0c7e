// What the main thread and the records thread share (a file of its own: the
// thread's module starts writing when imported): two counters, [0] batches
// committed and [1] 1 once the thread is going away, then why it went.

/** Characters of the reason the thread leaves when it ends. */
export const REASON_CHARS = 512;

export function writerShared(): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + 2 * REASON_CHARS);
}

/** Why the thread ended, as it said (empty while it runs). */
export function readEnding(shared: SharedArrayBuffer): string {
  if (Atomics.load(new Int32Array(shared, 0, 2), 1) === 0) return '';
  const text = new Uint16Array(shared, 8, REASON_CHARS);
  let s = '';
  for (let i = 0; i < REASON_CHARS && text[i] !== 0; i++) s += String.fromCharCode(text[i]);
  return s;
}
