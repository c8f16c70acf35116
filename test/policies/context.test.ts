import { describe, expect, it } from "vitest";
import {
  bucketArnOfObject,
  clusterArn,
  containerInstancesArn,
  type PolicyContext,
  s3BucketArn,
  tasksArn,
} from "../../src/policies/context.ts";

const ctx: PolicyContext = {
  partition: "aws",
  account: "111122223333",
  region: "eu-central-1",
  cluster: "edge",
};

describe("ARNs of the cluster's resources", () => {
  it("follow the Service Authorization Reference shapes", () => {
    expect(clusterArn(ctx)).toBe("arn:aws:ecs:eu-central-1:111122223333:cluster/edge");
    expect(containerInstancesArn(ctx)).toBe(
      "arn:aws:ecs:eu-central-1:111122223333:container-instance/edge/*",
    );
    expect(tasksArn(ctx)).toBe("arn:aws:ecs:eu-central-1:111122223333:task/edge/*");
    expect(s3BucketArn("aws-cn", "data")).toBe("arn:aws-cn:s3:::data");
  });
});

describe("bucketArnOfObject", () => {
  it.each([
    ["arn:aws:s3:::bucket/key/x.env", "arn:aws:s3:::bucket"],
    ["arn:aws-cn:s3:::my.bucket/k", "arn:aws-cn:s3:::my.bucket"],
    ["arn:aws-us-gov:s3:::b/a/b/c", "arn:aws-us-gov:s3:::b"],
  ])("takes the bucket of %s, keeping its partition", (object, bucket) => {
    expect(bucketArnOfObject(object)).toBe(bucket);
  });

  it.each([
    ["a bucket without a key", "arn:aws:s3:::bucket"],
    ["a bucket with an empty key", "arn:aws:s3:::bucket/"],
    ["text before the ARN", "xarn:aws:s3:::bucket/key"],
    ["an empty partition", "arn::s3:::bucket/key"],
    ["an empty bucket", "arn:aws:s3:::/key"],
    ["another service", "arn:aws:ssm:::bucket/key"],
    ["a line break in the key", "arn:aws:s3:::bucket/key\nmore"],
  ])("refuses %s", (_, arn) => {
    expect(() => bucketArnOfObject(arn)).toThrow(
      `"${arn}" is not an S3 object ARN (arn:aws:s3:::bucket/key)`,
    );
  });
});
