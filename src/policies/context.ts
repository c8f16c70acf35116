/** Where the documents will live: the account, region and partition the caller runs in, and the cluster. */
export interface PolicyContext {
  partition: string;
  account: string;
  region: string;
  cluster: string;
}

// ARN shapes from the Service Authorization Reference for Amazon ECS, "Resource types" table
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html):
// cluster = arn:${Partition}:ecs:${Region}:${Account}:cluster/${ClusterName}
// container-instance = ...:container-instance/${ClusterName}/${ContainerInstanceId}
// task = ...:task/${ClusterName}/${TaskId}
const ecsArn = (ctx: PolicyContext, resource: string) =>
  `arn:${ctx.partition}:ecs:${ctx.region}:${ctx.account}:${resource}`;

export const clusterArn = (ctx: PolicyContext) => ecsArn(ctx, `cluster/${ctx.cluster}`);
export const containerInstancesArn = (ctx: PolicyContext) =>
  ecsArn(ctx, `container-instance/${ctx.cluster}/*`);
export const tasksArn = (ctx: PolicyContext) => ecsArn(ctx, `task/${ctx.cluster}/*`);

export const s3BucketArn = (partition: string, bucket: string) => `arn:${partition}:s3:::${bucket}`;

/** `arn:aws:s3:::bucket/key/x.env` -> `arn:aws:s3:::bucket` (keeps the object's own partition). */
export function bucketArnOfObject(objectArn: string): string {
  const match = /^(arn:[^:]+:s3:::)([^/]+)\/.+$/.exec(objectArn);
  if (!match) throw new Error(`"${objectArn}" is not an S3 object ARN (arn:aws:s3:::bucket/key)`);
  return `${match[1]}${match[2]}`;
}
