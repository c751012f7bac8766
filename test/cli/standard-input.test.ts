import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CommandFailedError } from '../../cli/command-failed.ts';
import { readHiddenLine, readToEnd } from '../../cli/standard-input.ts';

/** A terminal's input that a test types into, recording its raw mode. */
function terminal() {
  const emitter = new EventEmitter();
  const modes: boolean[] = [];
  let paused = true;
  const input = {
    setRawMode: (mode: boolean) => modes.push(mode),
    setEncoding: () => undefined,
    resume: () => {
      paused = false;
    },
    pause: () => {
      paused = true;
    },
    on: (event: 'data', listener: (chunk: string) => void) => emitter.on(event, listener),
    off: (event: 'data', listener: (chunk: string) => void) => emitter.off(event, listener),
  };
  return {
    input,
    modes,
    paused: () => paused,
    type: (...chunks: string[]) => {
      for (const chunk of chunks) emitter.emit('data', chunk);
    },
    listeners: () => emitter.listenerCount('data'),
  };
}

describe('a value typed at a terminal', () => {
  it('is read in raw mode and echoed nowhere: only the prompt and the final line break are written', async () => {
    const tty = terminal();
    let written = '';

    const reading = readHiddenLine('value of API_KEY (not shown): ', tty.input, (text) => {
      written += text;
    });
    tty.type('s3', 'cret\r');

    expect(await reading).toBe('s3cret');
    expect(written).toBe('value of API_KEY (not shown): \n');
    expect(tty.modes).toEqual([true, false]);
    expect(tty.paused()).toBe(true);
    expect(tty.listeners()).toBe(0);
  });

  it('erases with Backspace, whole characters included, and drops other control characters', async () => {
    const tty = terminal();

    const reading = readHiddenLine('> ', tty.input, () => {});
    tty.type('ab€', '\u007f', 'c\u001bd', '\b', 'e\n');

    expect(await reading).toBe('abce');
  });

  it('ends at Ctrl-D as at Enter', async () => {
    const tty = terminal();

    const reading = readHiddenLine('> ', tty.input, () => {});
    tty.type('value\u0004ignored');

    expect(await reading).toBe('value');
  });

  it('cancels the command at Ctrl-C and leaves raw mode', async () => {
    const tty = terminal();

    const reading = readHiddenLine('> ', tty.input, () => {});
    tty.type('half\u0003');

    await expect(reading).rejects.toBeInstanceOf(CommandFailedError);
    expect(tty.modes).toEqual([true, false]);
  });
});

describe('a value piped in', () => {
  it('is read to its end as UTF-8, even when a character is split between chunks', async () => {
    const euro = Buffer.from('€');
    const stream = Readable.from([
      Buffer.from('price: '),
      euro.subarray(0, 1),
      euro.subarray(1),
      Buffer.from('5\n'),
    ]);

    expect(await readToEnd(stream)).toBe('price: €5\n');
  });
});
