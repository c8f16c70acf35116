import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateActivationCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DEFAULT_CREDENTIALS, type Emulator, startEmulator } from "../emulator/index.ts";
import { createFakeHost, type FakeHost, type FakeHostOptions } from "../fixtures/host.ts";

/** Test helper (not a test): an emulator with a role, a cluster and an activation, and a fake host wired to it. */

export const REGION = "eu-west-1";
export const CLUSTER = "edge";

const [accessKeyId, secretAccessKey] = Object.entries(DEFAULT_CREDENTIALS)[0] as [string, string];

export interface Scenario {
  emulator: Emulator;
  host: FakeHost;
  activationId: string;
  activationCode: string;
  /** The install script's flags for a full registration into CLUSTER. */
  installArgs: string[];
  stop(): Promise<void>;
}

export async function scenario(hostOpts: Omit<FakeHostOptions, "emulatorUrl"> = {}): Promise<Scenario> {
  const emulator = await startEmulator();
  const config = { region: REGION, endpoint: emulator.url, credentials: { accessKeyId, secretAccessKey } };
  const trust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ssm.amazonaws.com" }, Action: "sts:AssumeRole" }],
  });
  await new IAMClient({ ...config, region: "us-east-1" }).send(
    new CreateRoleCommand({ RoleName: "ECSAnywhereRole", AssumeRolePolicyDocument: trust }),
  );
  await new ECSClient(config).send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const activation = await new SSMClient(config).send(
    new CreateActivationCommand({ IamRole: "ECSAnywhereRole", RegistrationLimit: 5 }),
  );
  const host = await createFakeHost({ ...hostOpts, emulatorUrl: emulator.url });
  const activationId = activation.ActivationId ?? "";
  const activationCode = activation.ActivationCode ?? "";
  return {
    emulator,
    host,
    activationId,
    activationCode,
    installArgs: [
      "--region",
      REGION,
      "--cluster",
      CLUSTER,
      "--activation-id",
      activationId,
      "--activation-code",
      activationCode,
    ],
    stop: async () => {
      await host.cleanup();
      await emulator.stop();
    },
  };
}
