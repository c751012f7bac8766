/**
 * Every resource of one environment, found by its `modeshift:project` and
 * `modeshift:environment` tags through the Resource Groups Tagging API, page
 * by page: what the sweeper reads an environment's mode tags from, and what
 * the local runs report as an environment's resources.
 */
import {
  paginateGetResources,
  type ResourceGroupsTaggingAPIClient,
  type ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';

export async function environmentResources(
  tagging: ResourceGroupsTaggingAPIClient,
  project: string,
  environment: string,
): Promise<ResourceTagMapping[]> {
  const found: ResourceTagMapping[] = [];
  const pages = paginateGetResources(
    { client: tagging },
    {
      TagFilters: [
        { Key: 'modeshift:project', Values: [project] },
        { Key: 'modeshift:environment', Values: [environment] },
      ],
    },
  );
  for await (const page of pages) found.push(...(page.ResourceTagMappingList ?? []));
  return found;
}
