import { describe, expect, it } from 'vitest';
import { StatesRuntimeError } from '../../engine/errors.ts';
import { resolveOperation } from '../../engine/operations.ts';
import { toSdkInput } from '../../engine/sdk-input.ts';

describe('local engine — parameters to SDK input', () => {
  it('accepts a member written with Java’s Value suffix', () => {
    const { input } = resolveOperation('ec2', 'describeVpcs');

    expect(
      toSdkInput({ Filters: [{ Name: 'tag:a', ValuesValue: ['b'] }] }, input, { caseInsensitive: true }),
    ).toEqual({
      Filters: [{ Name: 'tag:a', Values: ['b'] }],
    });
  });

  it('leaves map keys as they are', () => {
    const { input } = resolveOperation('dynamodb', 'putItem');

    const converted = toSdkInput({ TableName: 't', Item: { pk: { S: 'x' }, TTL: { N: '1' } } }, input, {
      caseInsensitive: false,
    });

    expect(converted).toEqual({ TableName: 't', Item: { pk: { S: 'x' }, TTL: { N: '1' } } });
  });

  it('decodes binary values written in base64', () => {
    const { input } = resolveOperation('dynamodb', 'putItem');

    expect(toSdkInput({ Item: { data: { B: 'aGk=' } } }, input, { caseInsensitive: false })).toEqual({
      Item: { data: { B: Uint8Array.from([104, 105]) } },
    });
  });

  it('reads timestamps written as ISO strings into Dates', () => {
    const { input } = resolveOperation('ec2', 'describeSpotPriceHistory');

    expect(toSdkInput({ StartTime: '2026-05-01T12:00:00Z' }, input, { caseInsensitive: true })).toEqual({
      StartTime: new Date('2026-05-01T12:00:00Z'),
    });
  });

  it('matches members exactly for optimized integrations', () => {
    const { input } = resolveOperation('dynamodb', 'putItem');

    expect(() => toSdkInput({ tableName: 't' }, input, { caseInsensitive: false })).toThrow(
      StatesRuntimeError,
    );
  });

  it('names the path and the shape of an unknown member', () => {
    const { input } = resolveOperation('ec2', 'describeVpcs');

    expect(() => toSdkInput({ Filters: [{ Nme: 'x' }] }, input, { caseInsensitive: true })).toThrow(
      '$.Filters[0]: "Nme" is not a member of Filter',
    );
  });
});
