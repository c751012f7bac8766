import { describe, expect, it } from 'vitest';
import { formatByteSize, parseByteSize } from '../../core/byte-size.ts';

describe('byte sizes', () => {
  it.each([
    ['1048576', 1048576],
    ['500MiB', 500 * 1024 ** 2],
    ['500M', 500 * 1024 ** 2],
    ['2GiB', 2 * 1024 ** 3],
    ['2gb', 2 * 1024 ** 3],
    ['1.5 G', 1.5 * 1024 ** 3],
    ['64k', 64 * 1024],
  ])('reads %s as %i bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '0', '-1M', '2 PiB', 'M'])('refuses %j', (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });

  it('prints a size in the largest unit it reaches', () => {
    expect(formatByteSize(500 * 1024 ** 2)).toBe('500 MiB');
    expect(formatByteSize(1536)).toBe('1.5 KiB');
    expect(formatByteSize(12)).toBe('12 bytes');
  });
});
