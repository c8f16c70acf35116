import type { HostFs } from "../adapters/host/fs.ts";
import { ECS_AGENT } from "../components/ecs-agent/files.ts";
import { readEcsConfigFiles } from "../components/ecs-agent/observe.ts";
import { SSM_AGENT } from "../components/ssm-agent/files.ts";
import { type EnvAssignment, readEnvFile, readUnitEnvironment } from "./host-files.ts";
import { type CheckContext, defineCheck, fail, pass, warn } from "./types.ts";

// field notes §4, §6.3: variables that make the AWS SDK in ecs-init or the agent ignore the credentials SSM
// writes to the [default] profile of /root/.aws/credentials.
const SHADOWING = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AWS_SHARED_CREDENTIALS_FILE",
] as const;
const SECRET_VARIABLES = new Set(["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID"]);
const CREDENTIALS_FILE = SSM_AGENT.credentials;
// field notes §4: either file means SSM has registered this host.
const SSM_REGISTRATION_FILES = [SSM_AGENT.registration, SSM_AGENT.registrationKey];

interface Finding {
  severity: "warn" | "fail";
  message: string;
  remediation: string;
}

export const credentialsCheck = defineCheck(
  "credentials",
  "nothing on the host shadows the credentials SSM provides to the ECS agent",
  async (ctx) => {
    const findings = [...(await environmentFindings(ctx)), ...(await profileFindings(ctx.fs))];
    if (findings.length === 0) return pass("nothing shadows the SSM-provided credentials");
    const message = findings.map((f) => f.message).join("; ");
    const remediation = [...new Set(findings.map((f) => f.remediation))].join("; ");
    return findings.some((f) => f.severity === "fail")
      ? fail(message, remediation)
      : warn(message, remediation);
  },
);

/** Variables in the ECS service's environment (fail) or in /etc/environment (warn). Names only, never values. */
async function environmentFindings(ctx: CheckContext): Promise<Finding[]> {
  const serviceEnv = [
    ...(await readUnitEnvironment(ctx.fs, ECS_AGENT.unit)).values(),
    // ecs-init hands the ecs.config values to the agent container as its environment (field notes §3).
    ...(await readEcsConfigFiles(ctx.fs)).values(),
  ];
  const loginEnv = await readEnvFile(ctx.fs, "/etc/environment");
  for (const item of [...serviceEnv, ...loginEnv])
    if (SECRET_VARIABLES.has(item.name)) ctx.redactor.add(item.value);
  const findings: Finding[] = [];
  const inService = shadowing(serviceEnv);
  if (inService.length > 0) {
    findings.push({
      severity: "fail",
      message: `the ECS service's environment sets ${describe(inService)}`,
      remediation:
        "remove those variables, then `systemctl daemon-reload && systemctl restart ecs`: the agent must use the SSM-provided [default] profile",
    });
  }
  const inLogin = shadowing(loginEnv);
  if (inLogin.length > 0) {
    findings.push({
      severity: "warn",
      message: `/etc/environment sets ${describe(inLogin)} for every login session`,
      remediation:
        "remove AWS credential variables from /etc/environment: root processes would use them instead of SSM's",
    });
  }
  return findings;
}

/** Profiles in /root/.aws/credentials that SSM did not write (it writes only [default]; field notes §4, §6.7). */
async function profileFindings(fs: HostFs): Promise<Finding[]> {
  const text = await fs.readText(CREDENTIALS_FILE);
  if (text === undefined) return [];
  const profiles = [...text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]\s*$/gm)].map((m) => m[1] ?? "");
  const findings: Finding[] = [];
  const others = profiles.filter((p) => p !== "default");
  if (others.length > 0) {
    findings.push({
      severity: "warn",
      message: `${CREDENTIALS_FILE} holds profiles SSM did not write: ${others.map((p) => `[${p}]`).join(", ")}`,
      remediation: `move other credentials out of ${CREDENTIALS_FILE}: ecs-init mounts /root/.aws into the ECS agent`,
    });
  }
  const registered = (await Promise.all(SSM_REGISTRATION_FILES.map((f) => fs.exists(f)))).some(Boolean);
  if (profiles.includes("default") && !registered) {
    findings.push({
      severity: "warn",
      message: `${CREDENTIALS_FILE} already has a [default] profile, but SSM has not registered this host: SSM will overwrite it`,
      remediation: `move those credentials to another file before registering: SSM owns [default] in ${CREDENTIALS_FILE}`,
    });
  }
  return findings;
}

function shadowing(items: readonly EnvAssignment[]): EnvAssignment[] {
  return items.filter((item) => (SHADOWING as readonly string[]).includes(item.name) && item.value !== "");
}

function describe(items: readonly EnvAssignment[]): string {
  return items.map((item) => `${item.name} (in ${item.file})`).join(", ");
}
