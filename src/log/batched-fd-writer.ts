/**
 * Lines for a file descriptor (the process's stdout), written asynchronously in large batches: each
 * line is encoded once, straight into a fixed chunk, and a full chunk goes out in one `fs.write` on
 * libuv's thread pool, so the event loop never waits on a slow reader. It replaces pino's
 * sonic-boom destination, which re-measures its whole pending batch on every line (so its batches
 * must stay small) and hands each small batch to the thread pool: on the bench's pinned core that
 * cost 4–6 µs per admission line (docs/development.md).
 */
import { write as fsWrite, writeSync as fsWriteSync } from 'node:fs';

export interface BatchedFdWriterOptions {
  /** A write starts once this many bytes wait (or at `flush`). */
  readonly batchBytes: number;
  /**
   * The memory the writer may hold for lines not yet written (a stalled reader); past it, lines are
   * dropped.
   */
  readonly maxPendingBytes: number;
  /** How long to wait before trying again when the descriptor is full (EAGAIN). */
  readonly retryMs?: number;
  /** `fs.write` and `fs.writeSync`, replaceable in tests. */
  readonly write?: typeof fsWrite;
  readonly writeSync?: typeof fsWriteSync;
}

/** A sealed chunk waiting to be written, or being written, from `offset`. */
interface Pending {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;
}

const DEFAULT_RETRY_MS = 10;

export class BatchedFdWriter {
  /** Lines dropped since start: the reader was too slow, or the descriptor failed. */
  dropped = 0;
  private readonly batchBytes: number;
  private readonly chunkBytes: number;
  private readonly maxPendingBytes: number;
  private readonly retryMs: number;
  private readonly fsWrite: typeof fsWrite;
  private readonly fsWriteSync: typeof fsWriteSync;
  /** Sealed chunks, oldest first; the first is being written while `writing` is set. */
  private readonly queue: Pending[] = [];
  /** The memory the queue holds (whole buffers, not only their lines). */
  private queuedBytes = 0;
  private writing = false;
  /** The chunk lines are encoded into: twice the batch, so a line rarely has to start a new one. */
  private chunk: Buffer;
  private used = 0;
  /** One written chunk kept for reuse, so a steady stream of lines allocates nothing. */
  private spare: Buffer | undefined;
  /** `flush` callbacks, called once everything queued before them is written. */
  private waiters: (() => void)[] = [];

  constructor(
    private readonly fd: number,
    options: BatchedFdWriterOptions,
  ) {
    this.batchBytes = options.batchBytes;
    this.chunkBytes = 2 * options.batchBytes;
    this.maxPendingBytes = options.maxPendingBytes;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.fsWrite = options.write ?? fsWrite;
    this.fsWriteSync = options.writeSync ?? fsWriteSync;
    this.chunk = Buffer.allocUnsafeSlow(this.chunkBytes);
  }

  /** Queues one line (pino's destination interface); false when it was dropped. */
  write(line: string): boolean {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: most lines fit without being measured.
    const room = this.chunkBytes - this.used;
    if (line.length * 3 > room) {
      const bytes = Buffer.byteLength(line);
      if (bytes > room) return this.writeOversized(line, bytes);
    }
    this.used += this.chunk.write(line, this.used);
    if (this.used >= this.batchBytes) this.flush();
    return true;
  }

  /**
   * Starts writing whatever is buffered and returns at once; `callback` (pino's `logger.flush`) runs
   * once all of it is written, or could not be.
   */
  flush(callback?: () => void): void {
    this.seal();
    if (callback !== undefined) this.waiters.push(callback);
    this.next();
  }

  /**
   * Writes everything buffered now, blocking: for the process's `exit` event, when no asynchronous
   * write can finish any more. A chunk whose asynchronous write is under way is left to it.
   */
  flushSync(): void {
    const unsealed = { buffer: this.chunk, offset: 0, end: this.used };
    this.used = 0;
    for (const pending of [...this.queue.slice(this.writing ? 1 : 0), unsealed]) {
      try {
        while (pending.offset < pending.end) {
          pending.offset += this.fsWriteSync(
            this.fd,
            pending.buffer,
            pending.offset,
            pending.end - pending.offset,
          );
        }
      } catch {
        // Nowhere left to write to; the process is ending.
        return;
      }
    }
  }

  /** Whether the queue may take `bytes` more, the current chunk's memory counted too. */
  private canQueue(bytes: number): boolean {
    return this.queuedBytes + bytes + this.chunkBytes <= this.maxPendingBytes;
  }

  /** Moves the current chunk, if it holds anything, to the queue, unless the queue is full. */
  private seal(): void {
    if (this.used === 0 || !this.canQueue(this.chunkBytes)) return;
    this.queue.push({ buffer: this.chunk, offset: 0, end: this.used });
    this.queuedBytes += this.chunkBytes;
    this.chunk = this.spare ?? Buffer.allocUnsafeSlow(this.chunkBytes);
    this.spare = undefined;
    this.used = 0;
  }

  /** A line that does not fit the current chunk: seal that one, and give a very long line its own. */
  private writeOversized(line: string, bytes: number): boolean {
    this.flush();
    // The queue is full, so the current chunk could not be sealed: the reader is not keeping up.
    if (this.used > 0) return this.drop();
    if (bytes <= this.chunkBytes) {
      this.used = this.chunk.write(line, 0);
      if (this.used >= this.batchBytes) this.flush();
      return true;
    }
    if (!this.canQueue(bytes)) return this.drop();
    this.queue.push({ buffer: Buffer.from(line), offset: 0, end: bytes });
    this.queuedBytes += bytes;
    this.next();
    return true;
  }

  private drop(): false {
    this.dropped += 1;
    return false;
  }

  private next(): void {
    if (this.writing) return;
    const pending = this.queue[0];
    if (pending === undefined) {
      this.settleWaiters();
      return;
    }
    this.writing = true;
    const { buffer, offset, end } = pending;
    this.fsWrite(this.fd, buffer, offset, end - offset, null, (error, written) => {
      if (error?.code === 'EAGAIN') {
        // A non-blocking pipe is full: try again shortly; the lines wait (up to maxPendingBytes).
        setTimeout(() => {
          this.writing = false;
          this.next();
        }, this.retryMs).unref();
        return;
      }
      this.writing = false;
      if (error === null) {
        pending.offset += written;
        if (pending.offset >= pending.end) this.finished(pending);
      } else {
        // The reader is gone (EPIPE) or the descriptor failed: these lines cannot be written.
        this.dropped += countLines(pending.buffer.subarray(pending.offset, pending.end));
        this.finished(pending);
      }
      this.next();
    });
  }

  private finished(pending: Pending): void {
    this.queue.shift();
    if (pending.buffer.length === this.chunkBytes) {
      this.queuedBytes -= this.chunkBytes;
      this.spare = pending.buffer;
    } else {
      this.queuedBytes -= pending.end;
    }
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

function countLines(bytes: Buffer): number {
  let lines = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) lines += 1;
  return Math.max(lines, 1);
}
