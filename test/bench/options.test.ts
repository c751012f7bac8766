import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchUsageError, DEFAULT_SCALE, parseBenchOptions } from '../../bench/options.ts';
import { DEFAULT_LATENCY_MODEL } from '../../engine/latency-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'modeshift-bench-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function modelFile(contents: string): string {
  const file = join(dir, `model-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, contents);
  return file;
}

describe('npm run bench options', () => {
  it('defaults to the typical AWS figures at scale 0.01, five cold-start rounds and bench/results', () => {
    const options = parseBenchOptions([]);

    expect(options).toMatchObject({ json: false, coldStartRounds: 5, out: 'bench/results' });
    expect(options.model).toEqual({ ...DEFAULT_LATENCY_MODEL, scale: DEFAULT_SCALE });
  });

  it('takes a latency file, its scale unless --scale says otherwise', () => {
    const file = modelFile('{"readySeconds": {"rds:CreateDBInstance": 600}, "scale": 0.05}');

    expect(parseBenchOptions(['--latency', file]).model).toMatchObject({
      scale: 0.05,
      readySeconds: { 'rds:CreateDBInstance': 600 },
    });
    expect(parseBenchOptions(['--latency', file, '--scale', '0.02', '--json']).model.scale).toBe(0.02);
  });

  it('runs a latency file that sets no scale at the bench’s scale, not in real time', () => {
    const file = modelFile('{"readySeconds": {"rds:CreateDBInstance": 600}, "jitter": 0.3}');

    expect(parseBenchOptions(['--latency', file]).model).toMatchObject({ scale: DEFAULT_SCALE, jitter: 0.3 });
  });

  it.each([
    [['--scale', 'abc'], /--scale: "abc" is not a number above 0/],
    [['--scale=0'], /--scale: "0" is not a number above 0/],
    [['--scale=-1'], /--scale: "-1"/],
    [['--cold-start-rounds', '2.5'], /--cold-start-rounds: "2.5" is not a whole number from 1 to 50/],
    [['--cold-start-rounds', '0'], /--cold-start-rounds/],
    [['--out', ''], /--out: must name a folder/],
    [['--bogus'], /--bogus/],
    [['extra'], /extra/],
    [['--latency', '/nonexistent/model.json'], /--latency: cannot read \/nonexistent\/model\.json/],
  ])('refuses %j, naming the option', (args, message) => {
    expect(() => parseBenchOptions(args)).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(args)).toThrow(message);
  });

  it.each([
    ['[1, 2]', /must hold a JSON object/],
    ['{"jiter": 0.1}', /"jiter" is not a setting \(known: readySeconds, callSeconds/],
    ['{"readySeconds": 5}', /readySeconds must be an object of seconds by operation/],
    ['{"readySeconds": {"rds:Teleport": 1}}', /readySeconds\.rds:Teleport is not a modeled operation/],
    [
      '{"readySeconds": {"rds:CreateDBInstance": "x"}}',
      /readySeconds\.rds:CreateDBInstance must be a number/,
    ],
    ['{"jitter": 2}', /jitter must be below 1/],
    ['not json', /cannot read/],
  ])('refuses a latency file holding %s', (contents, message) => {
    const file = modelFile(contents);

    expect(() => parseBenchOptions(['--latency', file])).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(['--latency', file])).toThrow(message);
  });
});
