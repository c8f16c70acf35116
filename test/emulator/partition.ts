/** AWS partitions the emulator knows (field notes §5.8): ARNs take the partition of the request's region. */

export type Partition = "aws" | "aws-cn" | "aws-us-gov";

export function partitionOf(region: string): Partition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** IAM is global per partition: its requests are signed for this one region of the partition. */
export const IAM_SIGNING_REGION: Readonly<Record<Partition, string>> = {
  aws: "us-east-1",
  "aws-cn": "cn-north-1",
  "aws-us-gov": "us-gov-west-1",
};

/** The partition whose IAM signs for `region`, or undefined when IAM would refuse the credential scope. */
export function iamPartitionOf(region: string): Partition | undefined {
  const partition = partitionOf(region);
  return IAM_SIGNING_REGION[partition] === region ? partition : undefined;
}
