import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { awsCallRequired } from "./errors.ts";
import type { CallerIdentity, StsPort } from "./ports.ts";

export function createStsPort(client: STSClient): StsPort {
  let cached: Promise<CallerIdentity> | undefined;
  return {
    // The identity cannot change during one run: ask once.
    getCallerIdentity() {
      cached ??= awsCallRequired({ service: "sts", action: "GetCallerIdentity" }, () =>
        client.send(new GetCallerIdentityCommand({})),
      ).then((out) => ({
        account: out.Account ?? "",
        arn: out.Arn ?? "",
        partition: out.Arn?.split(":")[1] ?? "aws",
      }));
      cached.catch(() => {
        cached = undefined;
      });
      return cached;
    },
  };
}
