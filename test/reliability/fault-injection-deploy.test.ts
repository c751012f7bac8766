// Fault injection at every Task state of the deploy workflow (see fault-injection.ts), and a failed
// run that must wait for a step still running in another branch.
import { describe, expect, it } from 'vitest';
import { taggedResources } from '../../local/run-workflows.ts';
import { describeFaultInjection } from './fault-injection.ts';
import { faultedRun, injectFault } from './injected-faults.ts';
import { resourceShapes } from './resource-shape.ts';
import { environmentRecord, privateSubnetsWithoutNat } from './run-outcome.ts';
import { ENVIRONMENT, PRODUCTION, PROJECT } from './shop-requests.ts';
import { countReliability } from './stats.ts';

const { aws, tasks, cleanRun, runRequest } = describeFaultInjection('deploy');

describe('deploy workflow — a failed run ends only when every branch has', () => {
  it('keeps the lock until a step of another branch still running has finished, so a re-run cannot race it', async () => {
    // EnsureCluster fails at once in one branch of Foundations while EnsureNetwork, in another, is half-way
    // (VPC, subnets and internet gateway made, route tables next). Step Functions cannot cancel a running
    // Lambda, so the failure path must wait for it: each branch is guarded, and the run fails after all end.
    const failing = tasks.find((task) => task.name === 'EnsureCluster');
    if (!failing) throw new Error('the deploy workflow has no EnsureCluster Task');
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    const failed = faultedRun([injectFault(failing, 'permanent')], {
      hold: { step: 'EnsureNetwork', command: 'CreateRouteTableCommand', until },
    });
    let ended = false;
    const failedRun = runRequest(PRODUCTION, 'overlap', failed.options).then((report) => {
      ended = true;
      return report;
    });
    await failed.held();
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(ended, 'the failed run waits for its running step').toBe(false);
    expect(await environmentRecord(aws.target(), ENVIRONMENT)).toMatchObject({ lockId: 'overlap' });

    release();
    const report = await failedRun;
    await failed.settled();
    expect(report).toMatchObject({ status: 'FAILED', failedState: 'EnsureCluster' });
    expect(await environmentRecord(aws.target(), ENVIRONMENT)).not.toHaveProperty('lockId');

    const rerun = await runRequest(PRODUCTION, 'overlap', {});
    expect(rerun.status, `the re-run failed in ${rerun.failedState}: ${rerun.error}`).toBe('SUCCEEDED');
    expect(
      await privateSubnetsWithoutNat(aws.target(), ENVIRONMENT),
      'private subnets keep their NAT route',
    ).toEqual([]);
    const resources = await taggedResources(aws.target(), PROJECT, ENVIRONMENT);
    expect(resourceShapes(resources), 'the network of a clean run, nothing twice').toEqual(
      cleanRun(PRODUCTION).shapes,
    );
    countReliability('raceCases');
    countReliability('invariantsChecked', 4);
  });
});
