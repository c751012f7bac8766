import { describe, expect, it } from 'vitest';
import { deployLowerBound, downLowerBound } from '../../bench/critical-path.ts';
import { syntheticRequest } from '../../bench/synthetic-project.ts';
import type { Provisioning } from '../../bench/world.ts';
import { buildDeployInput } from '../../core/execution-input.ts';
import { resolvePolicy } from '../../core/policy.ts';
import type { Operation } from '../../engine/latency-model.ts';

const drawn = (key: string, operation: Operation, seconds: number): Provisioning => ({
  key,
  operation,
  startsAt: 0,
  seconds,
  readyAt: seconds,
});

describe('critical-path lower bound', () => {
  it('chains network, the database a service depends on, and each service after the one it depends on', () => {
    const request = syntheticRequest(2, 'production', 'd1', { chainLength: 2, servicesPerDatabase: 25 });
    const input = buildDeployInput(request, resolvePolicy('production'), new Date('2026-11-26T07:00:00Z'));

    const bound = deployLowerBound(input, request, [
      drawn('network', 'ec2:CreateVpc', 10),
      drawn('nat:0', 'ec2:CreateNatGateway', 150),
      drawn(`db:${input.databases[0]?.instance}`, 'rds:CreateDBInstance', 480),
      drawn('service:c0-s1:1', 'ecs:CreateService', 120),
      drawn('service:c0-s2:1', 'ecs:CreateService', 100),
    ]);

    expect(bound.seconds).toBe(10 + 480 + 120 + 100);
    expect(bound.path).toEqual([
      'network 10s',
      'database db0 480s',
      'service c0-s1 120s',
      'service c0-s2 100s',
    ]);
  });

  it('counts the old tasks stopping before a replace deploy starts the new ones', () => {
    const request = syntheticRequest(1, 'development', 'd1');
    const input = buildDeployInput(request, resolvePolicy('development'), new Date('2026-11-26T07:00:00Z'));

    const bound = deployLowerBound(input, request, [
      drawn('service:c0-s1:2', 'ecs:UpdateService', 120),
      drawn('service:c0-s1:2:stop', 'ecs:StopTasks', 30),
    ]);

    expect(bound.seconds).toBe(150);
  });

  it('ends a down with the VPC, after the slowest of the database (snapshot first) and the network edges', () => {
    const bound = downLowerBound([
      drawn('delete:web', 'ecs:DeleteService', 60),
      drawn('delete-nat:0', 'ec2:DeleteNatGateway', 60),
      drawn('snapshot:db', 'rds:CreateDBSnapshot', 180),
      drawn('delete-db:db', 'rds:DeleteDBInstance', 240),
      drawn('delete-vpc', 'ec2:DeleteVpc', 20),
    ]);

    expect(bound.seconds).toBe(180 + 240 + 20);
  });
});
