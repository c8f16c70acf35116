import type { HostFs } from "../adapters/host/fs.ts";
import type { Plan } from "../engine/step.ts";
import { dockerPresent, findDocker } from "./docker.ts";
import { type CheckContext, defineCheck, fail, pass, warn } from "./types.ts";

// field notes §1.9: the distributions AWS lists for ECS Anywhere, by os-release ID, plus the RHEL rebuilds
// (Rocky, AlmaLinux) and openSUSE Leap, which the install script handles like their parents.
export const SUPPORTED_IDS = [
  "ubuntu",
  "debian",
  "rhel",
  "centos",
  "rocky",
  "almalinux",
  "amzn",
  "fedora",
  "opensuse-leap",
  "opensuse-tumbleweed",
  "sles",
] as const;

// RHEL and rebuilds for which the install script has no Docker repository (field notes §1, §6.9).
const NO_DOCKER_REPO = new Set(["rhel", "rocky", "almalinux"]);
const PREINSTALL_DOCKER =
  "install Docker yourself (docker-ce from download.docker.com), then run with --docker-install-source none, which needs Docker preinstalled";

/** The fields of os-release(5): KEY=VALUE lines with shell-style quoting. */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const match = /^\s*([A-Z0-9_]+)=(.*?)\s*$/.exec(raw);
    if (match === null) continue;
    const [, key = "", value = ""] = match;
    const quote = value[0];
    const quoted = value.length >= 2 && (quote === '"' || quote === "'") && value.endsWith(quote);
    fields.set(key, quoted ? value.slice(1, -1).replace(/\\([\\"$`])/g, "$1") : value);
  }
  return fields;
}

/** os-release(5): /etc first, /usr/lib as the fallback. */
export async function readOsRelease(fs: Pick<HostFs, "readText">): Promise<string | undefined> {
  return (await fs.readText("/etc/os-release")) ?? (await fs.readText("/usr/lib/os-release"));
}

export const distributionCheck = defineCheck(
  "distribution",
  "the Linux distribution is one the install script supports",
  async (ctx) => {
    const text = await readOsRelease(ctx.fs);
    if (text === undefined) {
      return fail(
        "cannot read /etc/os-release",
        "the install script reads /etc/os-release to detect the distribution: restore it (it ships with the base system)",
      );
    }
    const release = parseOsRelease(text);
    const id = release.get("ID") ?? "linux";
    const version = release.get("VERSION_ID") ?? "";
    const label = `${id}${version === "" ? "" : ` ${version}`}`;
    if (!(SUPPORTED_IDS as readonly string[]).includes(id)) return unsupported(label, release);
    return dockerVerdict(ctx, id, label);
  },
);

function unsupported(label: string, release: Map<string, string>): Plan {
  const like = (release.get("ID_LIKE") ?? "")
    .split(/\s+/)
    .filter((id) => (SUPPORTED_IDS as readonly string[]).includes(id));
  const supported = `supported: ${SUPPORTED_IDS.join(", ")}`;
  if (like.length > 0) {
    return warn(
      `${label} is not a supported distribution, though it is like ${like.join(", ")}`,
      `it may work, but ECS Anywhere is tested only on supported distributions (${supported})`,
    );
  }
  return fail(`${label} is not a supported distribution`, `use a supported distribution (${supported})`);
}

async function dockerVerdict(ctx: CheckContext, id: string, label: string): Promise<Plan> {
  const source = ctx.dockerInstallSource;
  const hasDocker = dockerPresent(await findDocker(ctx));
  // field notes §1: the script stops on RHEL unless --docker-install-source none, Docker or not.
  if (id === "rhel" && source !== "none") {
    const next = hasDocker ? "Docker is installed: run with --docker-install-source none" : PREINSTALL_DOCKER;
    return fail(`${label}: the install script does not install Docker on RHEL`, next);
  }
  if (hasDocker) return pass(label);
  if (id === "rhel") return fail(`${label} has no Docker, and RHEL needs it preinstalled`, PREINSTALL_DOCKER);
  if (NO_DOCKER_REPO.has(id) && source !== "none") {
    return warn(
      `${label} has no Docker, and the install script has no Docker repository for ${id} (it falls back to the distribution's docker package)`,
      PREINSTALL_DOCKER,
    );
  }
  if ((id === "centos" || id === "fedora") && source === "distro") {
    return fail(
      `${label}: the install script refuses --docker-install-source distro here (SELinux / no docker package)`,
      "use --docker-install-source docker (or all), or install Docker yourself and use none",
    );
  }
  if (source === "none") return pass(`${label} (no Docker yet: see the docker check)`);
  return pass(`${label} (the install script will install Docker: --docker-install-source ${source})`);
}
