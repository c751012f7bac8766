/**
 * Step Functions' aws-sdk integrations name things the way the AWS SDK for
 * Java v2 does, while the JS SDK uses the Smithy model's names as written.
 * These functions follow the Java SDK's code generator
 * (`CodegenNamingUtils.pascalCase`, `DefaultNamingStrategy`, `Utils.unCapitalize`).
 */

/** Words of a name as the Java code generator splits them: `DBInstanceNotFound` → DB Instance Not Found. */
function words(name: string): string[] {
  return name
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .replace(/([^a-z]{2,})v([0-9]+)/g, '$1 v$2 ')
    .replace(/([^A-Z]{2,})V([0-9]+)/g, '$1 V$2 ')
    .split(/(?<=[a-z])(?=[A-Z][a-zA-Z0-9])/)
    .join(' ')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([0-9])([a-zA-Z])/g, '$1 $2')
    .trim()
    .split(/ +/)
    .filter((word) => word !== '');
}

/** Java's pascalCase: every word capitalised, the rest of it lower-cased. `Route 53` → `Route53`, `RDS` → `Rds`. */
export function javaPascalCase(name: string): string {
  return words(name)
    .map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1).toLowerCase()}`)
    .join('');
}

/** Java's service name from a Smithy service id: `DynamoDB` → `DynamoDb`, `Elastic Load Balancing v2` → `ElasticLoadBalancingV2`. */
export function javaServiceName(serviceId: string): string {
  return javaPascalCase(serviceId)
    .replace(/^(Amazon|Aws)/, '')
    .replace(/Service$/, '');
}

/**
 * Java's exception class name for a modeled error shape: a `…Fault` becomes
 * `…Exception`, and a name not ending in `Exception` gets it appended.
 * `DBInstanceNotFoundFault` → `DbInstanceNotFoundException`, `NoSuchHostedZone` → `NoSuchHostedZoneException`.
 */
export function javaExceptionName(shapeName: string): string {
  if (shapeName.endsWith('Fault')) return `${javaPascalCase(shapeName.slice(0, -'Fault'.length))}Exception`;
  if (shapeName.endsWith('Exception')) return javaPascalCase(shapeName);
  return `${javaPascalCase(shapeName)}Exception`;
}

/**
 * The name Step Functions gives a structure member in results: Java's bean
 * property name, capitalised. The leading run of capitals is lower-cased
 * except a last capital that starts the next word.
 * `DBInstanceArn` → `DbInstanceArn`, `TTL` → `Ttl`, `restApiId` → `RestApiId`, `VpcId` → `VpcId`.
 */
export function javaMemberName(memberName: string): string {
  let end = 1;
  while (end < memberName.length && /[A-Z]/.test(memberName.charAt(end))) {
    if (end + 1 < memberName.length && /[a-z]/.test(memberName.charAt(end + 1))) break;
    end += 1;
  }
  const uncapitalized = memberName.slice(0, end).toLowerCase() + memberName.slice(end);
  return uncapitalized.charAt(0).toUpperCase() + uncapitalized.slice(1);
}
