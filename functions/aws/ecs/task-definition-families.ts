/**
 * An environment's task definition families (`<project>-<environment>-<service>`):
 * found by their name prefix and confirmed by the tags of their latest
 * revision (a longer environment name can share the prefix), and retired by
 * deregistering every ACTIVE revision.
 */
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  paginateListTaskDefinitionFamilies,
  paginateListTaskDefinitions,
} from '@aws-sdk/client-ecs';
import { mapConcurrently } from '../../bounded-concurrency.ts';
import { type EnvironmentIdentity, isTaggedForEnvironment } from '../environment-tags.ts';

/** Families described at once. */
const CONCURRENCY = 10;

/** The families with an ACTIVE revision named `<prefix>-…` whose latest revision is tagged for the environment. */
export async function environmentTaskFamilies(
  ecs: ECSClient,
  namePrefix: string,
  owner: EnvironmentIdentity,
): Promise<string[]> {
  const prefix = `${namePrefix}-`;
  const families: string[] = [];
  for await (const page of paginateListTaskDefinitionFamilies(
    { client: ecs },
    { familyPrefix: prefix, status: 'ACTIVE' },
  )) {
    families.push(...(page.families ?? []).filter((family) => family.startsWith(prefix)));
  }
  const owned = await mapConcurrently(families, CONCURRENCY, async (family) => {
    const latest = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }),
    );
    return isTaggedForEnvironment(latest.tags, owner);
  });
  return families.filter((_, index) => owned[index]);
}

/** Deregisters every ACTIVE revision of the family (and of no family that merely starts like it). */
export async function deregisterTaskFamily(ecs: ECSClient, family: string): Promise<void> {
  for await (const page of paginateListTaskDefinitions(
    { client: ecs },
    { familyPrefix: family, status: 'ACTIVE' },
  )) {
    for (const arn of page.taskDefinitionArns ?? []) {
      if (!arn.includes(`:task-definition/${family}:`)) continue;
      await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    }
  }
}
