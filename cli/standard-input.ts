/**
 * What a person pipes or types into the CLI: a config value. Piped input is
 * read to its end; at a terminal, one line is read after a prompt without
 * echoing it, so a secret never shows on the screen.
 */
import { CommandFailedError } from './command-failed.ts';

/** Standard input as a command reads it. */
export interface Input {
  /** true at a terminal: a value is typed at a prompt that does not echo it. */
  readonly isTTY: boolean;
  /** Everything piped in, to its end. */
  readAll(): Promise<string>;
  /** One line typed after `prompt` (written to stderr), not echoed. */
  readHidden(prompt: string): Promise<string>;
}

/** The terminal side of standard input that a hidden read needs (a `tty.ReadStream`). */
export interface RawInput {
  setRawMode(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  off(event: 'data', listener: (chunk: string) => void): unknown;
}

const ENTER = new Set(['\r', '\n']);
const END_OF_INPUT = '\u0004';
const INTERRUPT = '\u0003';
const ERASE = new Set(['\u007f', '\b']);

/**
 * Reads one line from a terminal in raw mode, echoing nothing: Enter (or
 * Ctrl-D) ends it, Backspace erases the last character, Ctrl-C cancels the
 * command (exit 1). Other control characters are dropped.
 */
export function readHiddenLine(
  prompt: string,
  input: RawInput,
  write: (text: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    function onData(chunk: string) {
      for (const char of chunk) {
        if (ENTER.has(char) || char === END_OF_INPUT) return finish();
        if (char === INTERRUPT) return finish(new CommandFailedError('cancelled: no value was entered'));
        if (ERASE.has(char)) value = Array.from(value).slice(0, -1).join('');
        else if (char >= ' ' || char === '\t') value += char;
      }
    }
    write(prompt);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}

/** Everything a stream gives until it ends, as UTF-8. */
export async function readToEnd(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The process's standard input, opened only when a command reads it. */
export function processInput(): Input {
  return {
    get isTTY() {
      return process.stdin.isTTY === true;
    },
    readAll: () => readToEnd(process.stdin),
    readHidden: (prompt) =>
      readHiddenLine(prompt, process.stdin, (text) => {
        process.stderr.write(text);
      }),
  };
}
