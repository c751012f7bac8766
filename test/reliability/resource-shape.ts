/**
 * Tagged resources compared across emulator resets: ARNs carry ids the
 * emulator makes up (vpc-…, certificate UUIDs, load balancer hashes, snapshot
 * timestamps) or a run names (the deployment a pre-migration snapshot is named after), so two runs are compared by the ARNs with those ids blanked,
 * as a sorted list that keeps repeats: one VPC too many, or a task definition
 * revision registered twice, still shows.
 */

const GENERATED: ReadonlyArray<readonly [RegExp, string]> = [
  // UUIDs (certificates)
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '*'],
  // EC2 ids: vpc-0a1b…, subnet-…, sg-…, rtb-…, igw-…, nat-…, eipalloc-…
  [/\b([a-z]+)-[0-9a-f]{8,17}\b/g, '$1-*'],
  // long hex ids (load balancers, target groups) and final-snapshot stamps (20261126080501)
  [/\b[0-9a-f]{14,}\b/g, '*'],
  // automated snapshot times: rds:shop-main-db-2026-11-26-08-04
  [/\d{4}(?:-\d{2}){4}/g, '*'],
  // the deployment in a snapshot taken before a migration: snapshot:shop-main-db-…-pre-clean-run
  [/-pre-[a-z0-9-]+$/g, '-pre-*'],
];

/** An ARN with the emulator's generated ids replaced by `*`. */
export function arnShape(arn: string): string {
  return GENERATED.reduce((shape, [pattern, replacement]) => shape.replace(pattern, replacement), arn);
}

/** The shapes of a set of ARNs, sorted, repeats kept. */
export function resourceShapes(arns: readonly string[]): string[] {
  return arns.map(arnShape).sort();
}
