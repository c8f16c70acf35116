import type { RunCommand } from "../../adapters/host/exec.ts";
import { describeFailure } from "../../adapters/host/exec.ts";
import type { HostFs } from "../../adapters/host/fs.ts";
import type { Systemd } from "../../adapters/host/systemd.ts";
import { OperationError } from "../../errors.ts";
import type { Redactor } from "../../util/redact.ts";
import { MANAGED_INSTANCE_ID, SSM_AGENT } from "./files.ts";

/** What the SSM agent's files say, read without changing anything (field notes §4). */
export interface SsmObservation {
  /** The key names an instanceID: the install script then never registers again (field notes §1). */
  registered: boolean;
  /** The mi- id of the registration file, when it holds a valid one (it survives `-register -clear`). */
  managedInstanceId: string | undefined;
  /** The region of the registration file. */
  region: string | undefined;
}

export async function observeSsmAgent(fs: HostFs, redactor?: Redactor): Promise<SsmObservation> {
  const [key, registration] = await Promise.all([
    fs.readText(SSM_AGENT.registrationKey),
    fs.readText(SSM_AGENT.registration),
  ]);
  const parsedKey = parseJson(key);
  // The private key is a secret: once seen, it is scrubbed from everything the agent prints.
  const privateKey = parsedKey?.privateKey;
  if (redactor && typeof privateKey === "string") redactor.add(privateKey);
  const parsed = parseJson(registration);
  const id = text(parsed?.ManagedInstanceID);
  return {
    registered: text(parsedKey?.instanceID) !== undefined,
    managedInstanceId: id && MANAGED_INSTANCE_ID.test(id) ? id : undefined,
    region: text(parsed?.Region),
  };
}

/** The SSM agent's unit: the snap one when systemd knows it, else the deb/rpm one (field notes §4). */
export async function ssmUnit(systemd: Pick<Systemd, "isLoaded">): Promise<string> {
  return (await systemd.isLoaded(SSM_AGENT.snapUnit)) ? SSM_AGENT.snapUnit : SSM_AGENT.unit;
}

export interface ClearDeps {
  fs: HostFs;
  run: RunCommand;
  redactor: Redactor;
  signal?: AbortSignal;
}

/** `amazon-ssm-agent -register -clear` with the binary that belongs to `unit`; verified afterwards. */
export async function clearRegistration(deps: ClearDeps, unit: string): Promise<void> {
  const binary =
    unit === SSM_AGENT.snapUnit && (await deps.fs.exists(SSM_AGENT.snapBinary))
      ? deps.fs.resolve(SSM_AGENT.snapBinary)
      : SSM_AGENT.binary;
  const result = await deps.run(binary, ["-register", "-clear"], {
    timeoutMs: 60_000,
    redactor: deps.redactor,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  if (result.exitCode !== 0 || result.timedOut) {
    throw new OperationError(describeFailure(result), {
      remediation: `run \`${binary} -register -clear\` as root, or remove ${SSM_AGENT.registrationKey} yourself`,
    });
  }
  if ((await observeSsmAgent(deps.fs, deps.redactor)).registered) {
    throw new OperationError(
      `${SSM_AGENT.registrationKey} still holds an instance id after -register -clear`,
      {
        remediation: `stop the SSM agent and remove ${SSM_AGENT.registrationKey} yourself`,
      },
    );
  }
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
