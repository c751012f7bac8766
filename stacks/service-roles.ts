/**
 * Roles the workflows hand to AWS services: CodeBuild builds with its
 * service role, EventBridge Scheduler sends an environment's expiry `Down Requested` with its role.
 */
function serviceRole(
  name: string,
  service: string,
  statements: aws.iam.PolicyStatement[],
  managed: string[] = [],
) {
  const role = new aws.iam.Role(name, {
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
    }),
    managedPolicyArns: managed,
  });
  new aws.iam.RolePolicy(`${name}Policy`, {
    role: role.id,
    policy: $jsonStringify({ Version: '2012-10-17', Statement: statements }),
  });
  return role;
}

export function createServiceRoles(bus: sst.aws.Bus, artifacts: sst.aws.Bucket) {
  const region = aws.getRegionOutput().name;
  const account = aws.getCallerIdentityOutput().accountId;
  const codeBuild = serviceRole('CodeBuildRole', 'codebuild.amazonaws.com', [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [$interpolate`arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/*`],
    },
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: [$interpolate`${artifacts.arn}/*`],
    },
    // Build args read from config values: CodeBuild resolves their PARAMETER_STORE variables at build start.
    {
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: [$interpolate`arn:aws:ssm:${region}:${account}:parameter/modeshift/*`],
    },
    { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
    {
      Effect: 'Allow',
      Action: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:CompleteLayerUpload',
        'ecr:InitiateLayerUpload',
        'ecr:PutImage',
        'ecr:UploadLayerPart',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
      ],
      Resource: [$interpolate`arn:aws:ecr:${region}:${account}:repository/*`],
    },
  ]);
  const scheduler = serviceRole('SchedulerRole', 'scheduler.amazonaws.com', [
    { Effect: 'Allow', Action: ['events:PutEvents'], Resource: [bus.arn] },
  ]);
  return { codeBuild, scheduler, region, account };
}
