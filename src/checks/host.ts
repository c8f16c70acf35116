import { defineCheck, fail, pass, warn } from "./types.ts";

const GIB = 1024 ** 3;
// Docker images, container layers and the ECS agent's state all live under /var/lib.
const DISK_PATH = "/var/lib";
const DISK_PASS_BYTES = 10 * GIB;
const DISK_WARN_BYTES = 2 * GIB;

// field notes §1: the install script's first steps, in its order.
export const rootCheck = defineCheck("root", "the agent runs as root (uid 0)", async (ctx) => {
  const uid = ctx.system.uid();
  if (uid === 0) return pass("running as root");
  return fail(
    `running as uid ${uid}, not root`,
    "run as root (sudo ecs-anywhere-agent ...): installing and registering changes system services",
  );
});

export const systemdCheck = defineCheck("systemd", "the host boots with systemd", async (ctx) => {
  if (await ctx.fs.exists("/run/systemd/system")) return pass("systemd is the init system");
  return fail(
    "/run/systemd/system does not exist: systemd is not the init system",
    "ECS Anywhere needs a systemd host; use a distribution booted with systemd (containers and WSL usually are not)",
  );
});

export const architectureCheck = defineCheck(
  "architecture",
  "the CPU architecture is x86_64 or aarch64",
  async (ctx) => {
    const arch = ctx.system.arch();
    if (arch === "x86_64" || arch === "aarch64") return pass(arch);
    return fail(
      `unsupported architecture ${arch}`,
      "ECS Anywhere packages exist only for x86_64 and aarch64; use such a host",
    );
  },
);

export const diskCheck = defineCheck("disk", `enough free space on ${DISK_PATH}`, async (ctx) => {
  const free = await ctx.system.freeBytes(DISK_PATH);
  const message = `${formatGib(free)} free on ${DISK_PATH}`;
  const remediation = `free space on ${DISK_PATH} (Docker images and ECS state live there): at least ${formatGib(DISK_PASS_BYTES)} recommended`;
  if (free >= DISK_PASS_BYTES) return pass(message);
  if (free >= DISK_WARN_BYTES) return warn(message, remediation);
  return fail(message, remediation);
});

function formatGib(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}
