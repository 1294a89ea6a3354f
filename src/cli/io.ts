/** The streams a command uses, injectable so tests run commands in-process. */
export interface CommandIo {
  readonly stdin: NodeJS.ReadableStream;
  /** `columns` and `isTTY` as a terminal's stream has them (absent for pipes and tests). */
  readonly stdout: { write(chunk: string): unknown; readonly columns?: number; readonly isTTY?: boolean };
  readonly stderr: { write(chunk: string): unknown };
}

export const processIo: CommandIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/**
 * Ends the process quietly when the reader of standard output goes away (`pullthrough audit | head`),
 * as Unix tools do, instead of dying of an unhandled EPIPE: the reader has all it wanted. The exit
 * status already decided (if any) is kept.
 */
export function endQuietlyWhenStdoutCloses(
  stream: NodeJS.EventEmitter = process.stdout,
  exit: (status: number) => void = (status) => process.exit(status),
): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
      exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      return;
    }
    throw error;
  });
}
