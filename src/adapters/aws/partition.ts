/** AWS partitions by region (field notes §5.8). */
export type Partition = "aws" | "aws-cn" | "aws-us-gov";

export function partitionOfRegion(region: string): Partition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The DNS suffix of a region's service endpoints. */
export function dnsSuffix(region: string): string {
  return partitionOfRegion(region) === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

/** IAM is global per partition, and its requests are signed for one region of that partition. */
const IAM_SIGNING_REGION: Readonly<Record<Partition, string>> = {
  aws: "us-east-1",
  "aws-cn": "cn-north-1",
  "aws-us-gov": "us-gov-west-1",
};

export function iamSigningRegion(region: string): string {
  return IAM_SIGNING_REGION[partitionOfRegion(region)];
}
