import { type CheckContext, defineCheck, fail, pass } from "./types.ts";

// field notes §1.10: the script downloads with curl, unpacks with tar and runs `openssl verify` on the CA bundle
// under `set -e`, so a missing one ends it half-way (127). With GPU support it also runs nvidia-smi.
const SCRIPT_TOOLS = ["curl", "tar", "openssl"] as const;
const GPU_TOOL = "nvidia-smi";
const STANDARD_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** Where a command would be found: the operator's PATH (what the script inherits) and the usual folders. */
async function locate(ctx: CheckContext, command: string): Promise<string | undefined> {
  const path = (ctx.env.PATH ?? "").split(":").filter((dir) => dir.startsWith("/"));
  for (const dir of [...new Set([...path, ...STANDARD_DIRS])]) {
    const candidate = `${dir.replace(/\/+$/, "")}/${command}`;
    if (candidate.split("/").includes("..")) continue;
    if (await ctx.fs.exists(candidate)) return candidate;
  }
  return undefined;
}

export const toolsCheck = defineCheck(
  "tools",
  "the commands the install script runs are installed (curl, tar, openssl; nvidia-smi with GPU support)",
  async (ctx) => {
    const needed: string[] = [...SCRIPT_TOOLS, ...(ctx.enableGpu ? [GPU_TOOL] : [])];
    const found = await Promise.all(needed.map(async (tool) => ({ tool, at: await locate(ctx, tool) })));
    const missing = found.filter((item) => item.at === undefined).map((item) => item.tool);
    if (missing.length === 0) return pass(`found ${needed.join(", ")}`);
    const packages = missing.filter((tool) => tool !== GPU_TOOL);
    const fixes = [
      ...(packages.length > 0
        ? [`install ${packages.join(" ")} (apt-get install, dnf install or zypper install)`]
        : []),
      ...(missing.includes(GPU_TOOL)
        ? ["install the NVIDIA driver (it provides nvidia-smi), or turn GPU support off (host.enableGpu)"]
        : []),
    ];
    return fail(
      `not installed: ${missing.join(", ")} (the install script runs ${missing.length === 1 ? "it" : "them"} and stops with exit 127 without)`,
      fixes.join("; "),
    );
  },
);
