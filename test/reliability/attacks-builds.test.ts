// On the local AWS (moto): build contexts that reach outside the project are refused by `deploy`
// before anything is uploaded or created.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useLocalAws } from '../e2e-emulator/local-aws.ts';
import { runCli } from '../support/cli.ts';
import { countAttack } from './stats.ts';

const aws = useLocalAws();

/** `<root>/repo/app/compose.yaml`, and `<root>/secrets/id_rsa`: a file outside the project. */
let root: string;
let app: string;
let secrets: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'modeshift-attack-builds-'));
  app = join(root, 'repo', 'app');
  secrets = join(root, 'secrets');
  mkdirSync(app, { recursive: true });
  mkdirSync(secrets);
  writeFileSync(join(secrets, 'id_rsa'), 'not the project’s\n');
  writeFileSync(join(secrets, 'Dockerfile'), 'FROM busybox\nCOPY . /loot\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Runs `deploy` of a service built from `context` on the local AWS; returns the result and what it left. */
async function deployFrom(context: string) {
  const file = join(app, 'compose.yaml');
  writeFileSync(
    file,
    `name: shop\nservices:\n  web:\n    build:\n      context: ${JSON.stringify(context)}\n`,
  );
  const result = await runCli([
    'deploy',
    '-f',
    file,
    '--env',
    'x',
    '--mode',
    'dev',
    '--endpoint',
    aws.endpoint(),
  ]);
  const s3 = aws.target().clients('s3') as S3Client;
  const { KeyCount = 0 } = await s3.send(
    new ListObjectsV2Command({ Bucket: aws.target().names.artifactBucket }),
  );
  const ecs = aws.target().clients('ecs') as ECSClient;
  const { clusterArns = [] } = await ecs.send(new ListClustersCommand({}));
  return { result, uploaded: KeyCount, clusters: clusterArns.length };
}

describe('attack — build contexts outside the project', () => {
  it.each([
    ['../..', () => '../..'],
    ['an absolute path', () => secrets],
    [
      'a link inside the project that leads out',
      () => {
        symlinkSync(secrets, join(app, 'vendor'));
        return './vendor';
      },
    ],
  ])('refuses %s with nothing uploaded or created', async (_kind, contextOf) => {
    const { result, uploaded, clusters } = await deployFrom(contextOf());
    countAttack(result.code !== 2 || uploaded > 0 || clusters > 0);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: services.web.build.context:');
    expect(result.stderr).toContain('--allow-context-outside');
    expect(uploaded).toBe(0);
    expect(clusters).toBe(0);
  });
});
