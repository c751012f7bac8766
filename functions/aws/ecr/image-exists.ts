/** Whether an ECR repository holds an image of a tag: how a content-addressed build is found done already. */
import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { hasAwsErrorName } from '../errors.ts';

/** Whether the repository holds an image of this tag; false also when there is no such repository. */
export async function imageExists(
  ecr: ECRClient,
  repositoryName: string,
  imageTag: string,
): Promise<boolean> {
  try {
    const { imageDetails = [] } = await ecr.send(
      new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }),
    );
    return imageDetails.length > 0;
  } catch (error) {
    if (hasAwsErrorName(error, 'ImageNotFoundException', 'RepositoryNotFoundException')) return false;
    throw error;
  }
}
