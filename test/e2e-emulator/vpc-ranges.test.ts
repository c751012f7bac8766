// VPC ranges on the local AWS, read back: environments get ranges that do not
// overlap, a named range is the VPC's and its subnets', and a range another
// environment's VPC overlaps, or a new range for an existing VPC, is refused
// before anything changes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { cidrsOverlap, parseCidr } from '../../core/vpc-cidr.ts';
import { runCli } from '../support/cli.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();
const PROJECT = 'ranged';

function composeFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modeshift-ranges-')), 'compose.yaml');
  writeFileSync(file, `name: ${PROJECT}\nservices:\n  web:\n    image: nginx:1.27\n    ports: ["80:80"]\n`);
  return file;
}

const deploy = (file: string, environment: string, ...extra: string[]) =>
  runCli([
    'deploy',
    '-f',
    file,
    '--env',
    environment,
    '--mode',
    'development',
    // Each environment a VPC of its own, in a range of its own (the shared network has one for all).
    '--set',
    'network=dedicated',
    '--quiet',
    '--endpoint',
    aws.endpoint(),
    ...extra,
  ]);

const ec2 = () => aws.target().clients('ec2') as EC2Client;

/** The environment's VPC, as EC2 reports it; undefined when it has none. */
async function vpcOf(environment: string) {
  const { Vpcs = [] } = await ec2().send(
    new DescribeVpcsCommand({
      Filters: [
        { Name: 'tag:modeshift:project', Values: [PROJECT] },
        { Name: 'tag:modeshift:environment', Values: [environment] },
      ],
    }),
  );
  return Vpcs[0];
}

async function subnetRanges(vpcId: string | undefined): Promise<string[]> {
  const { Subnets = [] } = await ec2().send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId ?? 'none'] }] }),
  );
  return Subnets.map((subnet) => subnet.CidrBlock ?? '').sort();
}

describe('VPC ranges on the local AWS', () => {
  it('gives two environments /16s that do not overlap, each with its subnets inside', async () => {
    const file = composeFile();
    expect((await deploy(file, 'one')).code).toBe(0);
    expect((await deploy(file, 'two')).code).toBe(0);

    const one = await vpcOf('one');
    const two = await vpcOf('two');
    expect(one?.CidrBlock).toMatch(/^10\.\d+\.0\.0\/16$/);
    expect(two?.CidrBlock).toMatch(/^10\.\d+\.0\.0\/16$/);
    expect(cidrsOverlap(parseCidr(one?.CidrBlock ?? ''), parseCidr(two?.CidrBlock ?? ''))).toBe(false);
    for (const vpc of [one, two]) {
      const ranges = await subnetRanges(vpc?.VpcId);
      expect(ranges).toHaveLength(4);
      for (const range of ranges)
        expect(cidrsOverlap(parseCidr(range), parseCidr(vpc?.CidrBlock ?? ''))).toBe(true);
    }
  });

  it('creates the VPC in a named range, and refuses an overlapping or changed range before anything changes', async () => {
    const file = composeFile();
    const named = await deploy(file, 'main', '--vpc-cidr', '10.77.0.0/16');
    expect(named.code, named.stderr).toBe(0);
    const vpc = await vpcOf('main');
    expect(vpc?.CidrBlock).toBe('10.77.0.0/16');
    const ps = await runCli(['ps', '--env', 'main', '--project', PROJECT, '--endpoint', aws.endpoint()]);
    expect(ps.stdout).toMatch(new RegExp(`^network +${vpc?.VpcId} 10\\.77\\.0\\.0/16 \\(its own\\)$`, 'm'));
    expect(await subnetRanges(vpc?.VpcId)).toEqual([
      '10.77.0.0/20',
      '10.77.128.0/20',
      '10.77.144.0/20',
      '10.77.16.0/20',
    ]);

    const overlapping = await deploy(file, 'other', '--vpc-cidr', '10.77.128.0/17');
    expect(overlapping.code).toBe(2);
    expect(overlapping.stderr).toContain(
      `error: vpcCidr: 10.77.128.0/17 overlaps 10.77.0.0/16 of VPC ${vpc?.VpcId} (${PROJECT}/main): pick a range no other environment uses`,
    );
    expect(await vpcOf('other'), 'the refused deploy created no VPC').toBeUndefined();
    const status = await runCli([
      'status',
      '--env',
      'other',
      '--project',
      PROJECT,
      '--endpoint',
      aws.endpoint(),
    ]);
    expect(status.stdout + status.stderr).not.toMatch(/deployed|deploying/);

    const changed = await deploy(file, 'main', '--vpc-cidr', '10.78.0.0/16');
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(
      `error: vpcCidr: ${PROJECT}/main already has VPC ${vpc?.VpcId} with 10.77.0.0/16, and a VPC's range cannot change`,
    );

    const bad = await deploy(file, 'main', '--vpc-cidr', '10.77.0.0/12');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'error: vpcCidr: "10.77.0.0/12" has host bits set: the block is 10.64.0.0/12',
    );
  });
});
