/**
 * Where a built service's image is: ECR's repository URI is
 * `<account>.dkr.ecr.<region>.amazonaws.com/<repository>`, and every image
 * of a deployment is tagged with its deployment id. Derived rather than
 * carried in the workflow's state, so the state does not grow with the
 * number of built services.
 */
export function builtImage(
  accountId: string,
  region: string,
  repository: string,
  imageTag: string,
): { repositoryUri: string; image: string } {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const repositoryUri = `${accountId}.dkr.ecr.${region}.${suffix}/${repository}`;
  return { repositoryUri, image: `${repositoryUri}:${imageTag}` };
}
