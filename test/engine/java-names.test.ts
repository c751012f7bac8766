import { describe, expect, it } from 'vitest';
import { javaExceptionName, javaMemberName, javaServiceName } from '../../engine/java-names.ts';

describe('local engine — Java SDK v2 names', () => {
  it.each([
    ['DBInstanceArn', 'DbInstanceArn'],
    ['TTL', 'Ttl'],
    ['CACertificateIdentifier', 'CaCertificateIdentifier'],
    ['VpcId', 'VpcId'],
    ['restApiId', 'RestApiId'],
    ['Ipv6CidrBlock', 'Ipv6CidrBlock'],
  ])('names the member %s %s in results', (member, expected) => {
    expect(javaMemberName(member)).toBe(expected);
  });

  it.each([
    ['DBInstanceNotFoundFault', 'DbInstanceNotFoundException'],
    ['NoSuchHostedZone', 'NoSuchHostedZoneException'],
    ['ResourceAlreadyExistsException', 'ResourceAlreadyExistsException'],
    ['KMSInvalidStateException', 'KmsInvalidStateException'],
  ])('names the error shape %s %s', (shape, expected) => {
    expect(javaExceptionName(shape)).toBe(expected);
  });

  it.each([
    ['RDS', 'Rds'],
    ['EC2', 'Ec2'],
    ['DynamoDB', 'DynamoDb'],
    ['Route 53', 'Route53'],
    ['Elastic Load Balancing v2', 'ElasticLoadBalancingV2'],
    ['CloudWatch Logs', 'CloudWatchLogs'],
    ['ACM PCA', 'AcmPca'],
  ])('names the service %s %s', (serviceId, expected) => {
    expect(javaServiceName(serviceId)).toBe(expected);
  });
});
