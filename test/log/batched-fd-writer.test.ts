import type { write as fsWrite, writeSync as fsWriteSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BatchedFdWriter } from '../../src/log/batched-fd-writer.js';

type WriteCallback = (error: NodeJS.ErrnoException | null, written: number) => void;

/**
 * A descriptor the test drives: every asynchronous write waits in `calls` until the test answers it
 * (all of it, part of it, or an error), so each interleaving is written out, not left to timing.
 */
function fakeFd() {
  const output: Buffer[] = [];
  const calls: { bytes: Buffer; callback: WriteCallback }[] = [];
  const write = ((
    _fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    _position: null,
    callback: WriteCallback,
  ) => {
    // A copy: the writer reuses its chunks once a write has finished.
    calls.push({ bytes: Buffer.from(buffer.subarray(offset, offset + length)), callback });
  }) as unknown as typeof fsWrite;
  const writeSync = ((_fd: number, buffer: Buffer, offset: number, length: number) => {
    output.push(Buffer.from(buffer.subarray(offset, offset + length)));
    return length;
  }) as unknown as typeof fsWriteSync;
  return {
    write,
    writeSync,
    output,
    calls,
    /** Answers the oldest write: `bytes` of it written (all by default), or an error. */
    answer(bytes?: number, error?: NodeJS.ErrnoException): void {
      const call = calls.shift();
      if (call === undefined) throw new Error('no write is waiting');
      if (error !== undefined) {
        call.callback(error, 0);
        return;
      }
      const written = bytes ?? call.bytes.length;
      output.push(call.bytes.subarray(0, written));
      call.callback(null, written);
    },
    text: () => Buffer.concat(output).toString('utf8'),
  };
}

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
const line = (i: number, width = 90): string => `${JSON.stringify({ i, pad: 'x'.repeat(width) })}\n`;

describe('BatchedFdWriter', () => {
  it('holds lines until a batch is full, then writes them in one call, in order', () => {
    const fd = fakeFd();
    const writer = new BatchedFdWriter(1, { batchBytes: 1024, maxPendingBytes: 1 << 20, ...fd });
    const lines = Array.from({ length: 30 }, (_, i) => line(i));
    for (const text of lines.slice(0, 9)) writer.write(text); // 9 × 108 bytes
    expect(fd.calls).toHaveLength(0);
    for (const text of lines.slice(9)) writer.write(text);
    expect(fd.calls).toHaveLength(1); // one write in flight at a time
    fd.answer();
    writer.flush();
    while (fd.calls.length > 0) fd.answer();
    expect(fd.text()).toBe(lines.join(''));
  });

  it('keeps UTF-8 whole across batches, and gives a line longer than a chunk a write of its own', () => {
    const fd = fakeFd();
    const writer = new BatchedFdWriter(1, { batchBytes: 256, maxPendingBytes: 1 << 20, ...fd });
    const lines = [
      ...Array.from({ length: 20 }, (_, i) => `${'ünïcødé ✓ 𝄞 '.repeat(i % 5)}${i}\n`),
      `${'😀'.repeat(400)}\n`,
      'after\n',
    ];
    for (const text of lines) writer.write(text);
    writer.flush();
    while (fd.calls.length > 0) fd.answer();
    expect(fd.text()).toBe(lines.join(''));
    expect(writer.dropped).toBe(0);
  });

  it('goes on from where a partial write stopped, and retries a full non-blocking pipe', async () => {
    const fd = fakeFd();
    const writer = new BatchedFdWriter(1, { batchBytes: 512, maxPendingBytes: 1 << 20, retryMs: 1, ...fd });
    const lines = Array.from({ length: 12 }, (_, i) => line(i));
    for (const text of lines) writer.write(text);
    writer.flush();
    fd.answer(100); // part of the first chunk
    expect(fd.calls[0]!.bytes.toString()).toBe(lines.join('').slice(100, fd.calls[0]!.bytes.length + 100));
    fd.answer(undefined, errno('EAGAIN'));
    expect(fd.calls).toHaveLength(0); // waits before trying again
    await new Promise((resolve) => setTimeout(resolve, 20));
    while (fd.calls.length > 0) fd.answer();
    expect(fd.text()).toBe(lines.join(''));
  });

  it('drops the lines of a chunk the descriptor refuses, counts them, and goes on', () => {
    const fd = fakeFd();
    const writer = new BatchedFdWriter(1, { batchBytes: 300, maxPendingBytes: 1 << 20, ...fd });
    const lines = Array.from({ length: 6 }, (_, i) => line(i));
    for (const text of lines.slice(0, 3)) writer.write(text);
    fd.answer(undefined, errno('EPIPE'));
    expect(writer.dropped).toBe(3);
    for (const text of lines.slice(3)) writer.write(text);
    writer.flush();
    while (fd.calls.length > 0) fd.answer();
    expect(fd.text()).toBe(lines.slice(3).join(''));
  });

  it('holds at most maxPendingBytes while the reader stalls, drops the rest, and keeps the first lines in order', () => {
    const fd = fakeFd();
    const maxPendingBytes = 16 * 1024;
    const writer = new BatchedFdWriter(1, { batchBytes: 1024, maxPendingBytes, ...fd });
    const lines = Array.from({ length: 2000 }, (_, i) => line(i));
    const accepted = lines.filter((text) => writer.write(text));
    expect(writer.dropped).toBe(lines.length - accepted.length);
    expect(accepted.length * lines[0]!.length).toBeLessThanOrEqual(maxPendingBytes);
    expect(accepted.length).toBeGreaterThan(maxPendingBytes / 2 / lines[0]!.length);
    expect(accepted).toEqual(lines.slice(0, accepted.length));
    // Once the reader is back, later lines are taken again.
    writer.flush();
    while (fd.calls.length > 0) fd.answer();
    expect(writer.write('back\n')).toBe(true);
    writer.flush();
    while (fd.calls.length > 0) fd.answer();
    expect(fd.text()).toBe(`${accepted.join('')}back\n`);
  });

  it("calls flush's callback once everything queued before it is written", () => {
    const fd = fakeFd();
    const writer = new BatchedFdWriter(1, { batchBytes: 1024, maxPendingBytes: 1 << 20, ...fd });
    let flushed = false;
    writer.write(line(1));
    writer.flush(() => (flushed = true));
    expect(flushed).toBe(false);
    fd.answer();
    expect(flushed).toBe(true);
    let idle = false;
    writer.flush(() => (idle = true)); // nothing pending: at once
    expect(idle).toBe(true);
  });

  it('flushSync writes all that is buffered, but not a chunk an asynchronous write already has', () => {
    const fd = fakeFd();
    const writer = new BatchedFdWriter(1, { batchBytes: 256, maxPendingBytes: 1 << 20, ...fd });
    const lines = Array.from({ length: 8 }, (_, i) => line(i));
    for (const text of lines) writer.write(text);
    const inFlight = fd.calls[0]!.bytes.toString();
    writer.flushSync();
    expect(inFlight + fd.text()).toBe(lines.join(''));
  });
});
