import { IAMClient } from "@aws-sdk/client-iam";
import { SSMClient } from "@aws-sdk/client-ssm";
import { TEST_ACCESS_KEY, TEST_SECRET_KEY } from "./cli.ts";

/** Real SDK clients pointed at the emulator, for arranging a scenario (drift, foreign roles) in tests. */
export function testClients(url: string) {
  const credentials = { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY };
  return {
    iam: new IAMClient({ region: "us-east-1", endpoint: url, credentials }),
    ssm: new SSMClient({ region: "eu-west-1", endpoint: url, credentials }),
  };
}
