import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/errors.ts';
import { DEFAULT_LATENCY_MODEL, latencyModel, readyTimes, zeroLatency } from '../../engine/latency-model.ts';

describe('latency model', () => {
  it('starts from typical AWS figures: RDS slowest, a NAT gateway and a load balancer in minutes', () => {
    const ready = DEFAULT_LATENCY_MODEL.readySeconds;

    expect(ready['rds:CreateDBInstance']).toBeGreaterThan(ready['elasticloadbalancingv2:CreateLoadBalancer']);
    expect(ready['ec2:CreateNatGateway']).toBeGreaterThanOrEqual(60);
    expect(ready['ecs:CreateService']).toBeGreaterThan(ready['route53:ChangeResourceRecordSets']);
  });

  it('takes overrides of any operation and field, and refuses unknown operations and bad values by name', () => {
    const model = latencyModel({ readySeconds: { 'rds:CreateDBInstance': 600 }, scale: 0.5 });

    expect(model.readySeconds['rds:CreateDBInstance']).toBe(600);
    expect(model.scale).toBe(0.5);
    expect(() => latencyModel({ readySeconds: { 'rds:Teleport': 1 } })).toThrow(/readySeconds\.rds:Teleport/);
    expect(() => latencyModel({ callSeconds: -1 })).toThrow(EngineError);
    expect(() => latencyModel({ scale: 0 })).toThrow(/scale/);
  });

  it('draws ready times within the jitter, the same ones for the same seed', () => {
    const model = latencyModel({ jitter: 0.2, seed: 7 });
    const draw = readyTimes(model);
    const again = readyTimes(model);
    const draws = Array.from({ length: 50 }, () => draw('ecs:CreateService'));

    expect(draws.every((seconds) => seconds >= 96 && seconds <= 144)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(40);
    expect(again('ecs:CreateService')).toBe(draws[0]);
  });

  it('has a zero-latency copy for runs that measure the engine alone', () => {
    const zero = zeroLatency(DEFAULT_LATENCY_MODEL);

    expect(Object.values(zero.readySeconds).every((seconds) => seconds === 0)).toBe(true);
    expect(zero.callSeconds).toBe(0);
  });
});
