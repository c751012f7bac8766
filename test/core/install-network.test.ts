import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { installVpc, withInstallVpc } from '../../core/install-network.ts';

const VPC = {
  id: 'vpc-0abc12345',
  publicSubnets: ['subnet-0a0000001', 'subnet-0b0000001'],
  privateSubnets: ['subnet-0a0000002', 'subnet-0b0000002'],
};

function problemsOf(text: string): string[] {
  try {
    installVpc(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
  throw new Error('accepted');
}

describe("the installation's VPC (MODESHIFT_VPC)", () => {
  it('is read from JSON, and absent when unset or empty', () => {
    expect(installVpc(JSON.stringify(VPC))).toEqual(VPC);
    expect(installVpc(undefined)).toBeUndefined();
    expect(installVpc('  ')).toBeUndefined();
  });

  it('names the variable and the field that is wrong', () => {
    expect(problemsOf('vpc-0abc12345')[0]).toMatch(/^MODESHIFT_VPC: is not JSON: /);
    expect(problemsOf(JSON.stringify({ ...VPC, publicSubnets: ['subnet-0a0000001'] }))).toEqual([
      'MODESHIFT_VPC.publicSubnets: needs at least two subnets, in two availability zones',
    ]);
  });

  it('goes into a request that names no network, and leaves one that does alone', () => {
    const request = { project: 'shop', environment: 'pr-1' };
    expect(withInstallVpc(request, VPC)).toEqual({ ...request, vpc: VPC });
    expect(withInstallVpc({ ...request, vpcCidr: '10.1.0.0/16' }, VPC)).toEqual({
      ...request,
      vpcCidr: '10.1.0.0/16',
    });
    const own = { ...VPC, id: 'vpc-0def67890' };
    expect(withInstallVpc({ ...request, vpc: own }, VPC)).toEqual({ ...request, vpc: own });
    expect(withInstallVpc(request, undefined)).toBe(request);
  });
});
