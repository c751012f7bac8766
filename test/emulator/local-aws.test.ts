import { describe, expect, it } from 'vitest';
import { checkPython, LocalAwsError } from '../../emulator/local-aws.ts';

describe('local AWS — installation', () => {
  it('says what to install when there is no python3', () => {
    const attempt = () => checkPython('python3-that-is-not-installed');

    expect(attempt).toThrowError(LocalAwsError);
    expect(attempt).toThrowError(
      /needs python3 \(3\.9 or later\) with its venv module: install them \(Debian\/Ubuntu: apt-get install python3 python3-venv\)/,
    );
  });

  it('accepts the machine’s python3', () => {
    expect(checkPython()).toBe('python3');
  });
});
