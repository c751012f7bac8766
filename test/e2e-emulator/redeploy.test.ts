// End-to-end: a redeploy touches only what changed — content-addressed builds and untouched services — on the local AWS.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadComposeFile } from '../../core/compose.ts';
import { type Mode, resolvePolicy } from '../../core/policy.ts';
import { deployOnTarget, type RunReport } from '../../local/run-workflows.ts';
import { callsOf, planAgainst, useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

/** A copy of the shop example, whose files a test may change. */
let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'modeshift-redeploy-'));
  cpSync(new URL('../../examples/shop', import.meta.url).pathname, project, { recursive: true });
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

/** The states each run retried (a Lambda step polling with Modeshift.NotReady), by deployment id. */
const retried = new Map<string, string[]>();

async function deploy(mode: Mode, deploymentId: string): Promise<RunReport> {
  const composed = loadComposeFile(join(project, 'compose.yaml'), {
    environment: 'rd',
    mode,
    deploymentId,
    variables: {},
  });
  const retries: string[] = [];
  retried.set(deploymentId, retries);
  const report = await deployOnTarget(
    aws.target(),
    { ...composed, resolved: resolvePolicy(mode) },
    { onEvent: (event) => (event.type === 'StateRetried' ? retries.push(event.state ?? '') : undefined) },
  );
  expect(report.status, `${report.failedState}: ${report.error}`).toBe('SUCCEEDED');
  return report;
}

/** What `plan --endpoint` says a deploy would do with the images and the services. */
async function plannedRedeploy(mode: Mode): Promise<Record<string, string[]>> {
  const { redeploy } = (await planAgainst(aws.endpoint(), join(project, 'compose.yaml'), 'rd', mode)) as {
    redeploy: Record<string, string[]>;
  };
  return Object.fromEntries(Object.entries(redeploy).map(([key, names]) => [key, names.toSorted()]));
}

/** What a run changed: builds started, contexts uploaded, revisions registered, services created or updated, DNS writes. */
function changes() {
  const count = (service: string, command: string) => callsOf(aws.target(), service, command).length;
  return {
    builds: callsOf(aws.target(), 'codebuild', 'StartBuildCommand').map(
      (call) => (call as { projectName: string }).projectName,
    ),
    uploads: [
      ...callsOf(aws.target(), 's3', 'PutObjectCommand'),
      ...callsOf(aws.target(), 's3', 'CreateMultipartUploadCommand'),
    ].filter((call) => (call as { Key: string }).Key.endsWith('.tar.gz')).length,
    revisions: callsOf(aws.target(), 'ecs', 'RegisterTaskDefinitionCommand').map(
      (call) => (call as { family: string }).family,
    ),
    rollouts: [
      ...callsOf(aws.target(), 'ecs', 'CreateServiceCommand').map(
        (call) => (call as { serviceName: string }).serviceName,
      ),
      ...callsOf(aws.target(), 'ecs', 'UpdateServiceCommand').map(
        (call) => (call as { service: string }).service,
      ),
    ],
    dnsWrites: count('route53', 'ChangeResourceRecordSetsCommand'),
  };
}

/** What the second of two runs changed: the calls made after `before`. */
function since(before: ReturnType<typeof changes>) {
  const after = changes();
  return {
    builds: after.builds.slice(before.builds.length),
    uploads: after.uploads - before.uploads,
    revisions: after.revisions.slice(before.revisions.length),
    rollouts: after.rollouts.slice(before.rollouts.length),
    dnsWrites: after.dnsWrites - before.dnsWrites,
  };
}

describe('a redeploy on the local AWS touches only what changed', () => {
  it('redeploys an unchanged project with no build, upload, revision, ECS deployment or DNS write', async () => {
    const first = await deploy('staging', 'first');
    const afterFirst = changes();

    expect(await plannedRedeploy('staging')).toEqual({
      build: [],
      reuse: ['api', 'web'],
      roll: [],
      unchanged: ['api', 'web', 'worker'],
    });
    const noop = await deploy('staging', 'again');
    const changed = since(afterFirst);

    expect(afterFirst.builds).toEqual(expect.arrayContaining(['shop--rd--web', 'shop--rd--api']));
    expect(changed).toEqual({ builds: [], uploads: 0, revisions: [], rollouts: [], dnsWrites: 0 });
    process.stdout.write(
      `redeploy, shop example in staging: first deploy ${first.transitions} state transitions, no-op redeploy ${noop.transitions}\n`,
    );
    expect(noop.transitions).toBeLessThan(first.transitions);
    // Nothing to wait for: the rollout finds every service as wanted in one call, and nothing polls.
    expect(retried.get('again')).toEqual([]);
    expect(noop.changes?.built).toEqual([]);
    expect(noop.changes?.reused.toSorted()).toEqual(['api', 'web']);
    expect(noop.changes?.rolled).toEqual([]);
    expect(first.changes?.built.toSorted()).toEqual(['api', 'web']);
    expect(first.changes?.reused).toEqual([]);
    expect(first.changes?.rolled.toSorted()).toEqual(['api', 'web', 'worker']);
  }, 120_000);

  it('rebuilds, re-registers and rolls only the service whose file changed', async () => {
    await deploy('staging', 'first');
    const before = changes();
    writeFileSync(
      join(project, 'web', 'server.js'),
      "require('http').createServer((_, r) => r.end('v2')).listen(3000);\n",
    );

    expect(await plannedRedeploy('staging')).toEqual({
      build: ['web'],
      reuse: ['api'],
      roll: ['web'],
      unchanged: ['api', 'worker'],
    });
    const changedRun = await deploy('staging', 'web-changed');
    const changed = since(before);

    expect(changed.builds).toEqual(['shop--rd--web']);
    expect(changed.uploads).toBe(1);
    expect(changed.revisions).toEqual(['shop--rd--web']);
    expect(changed.rollouts).toEqual(['web']);
    expect(changedRun.changes).toEqual({ built: ['web'], reused: ['api'], rolled: ['web'] });
    const ecr = aws.target().clients('ecr') as ECRClient;
    const { imageDetails = [] } = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'shop/rd/web' }),
    );
    const tags = imageDetails.flatMap((image) => image.imageTags ?? []);
    expect(tags.filter((tag) => tag.startsWith('src-'))).toHaveLength(2);
    expect(tags).toEqual(expect.arrayContaining(['first', 'web-changed']));
  }, 120_000);

  it('rolls every service again when a mode change alters their settings, and rebuilds none', async () => {
    await deploy('development', 'first');
    const before = changes();

    await deploy('staging', 'promoted');
    const changed = since(before);

    expect(changed.builds).toEqual([]);
    expect([...changed.rollouts].sort()).toEqual(['api', 'web', 'worker']);
  }, 120_000);
});
