/** The bucket the CLI uploads build contexts to, for CodeBuild to build from. Old contexts expire. */
export function createArtifactBucket() {
  return new sst.aws.Bucket('Artifacts', {
    transform: {
      bucket: (args) => {
        args.forceDestroy = $app.stage !== 'production';
      },
    },
  });
}
