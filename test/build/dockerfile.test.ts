// Dockerfile.dev, read as Docker reads it (no Docker here to build it): the base, the packages CI installs, a
// pinned and checked Node 22, and the npm ci / npm test steps in a cache-friendly order.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions in order: comments and blank lines dropped, backslash continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || line === "") continue; // a comment between continued lines is skipped too
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).replace(/\s+/g, " ");
    pending = "";
    const match = /^(\S+)\s+([\s\S]*)$/.exec(whole);
    if (match === null) throw new Error(`not an instruction: ${whole}`);
    instructions.push({ keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim() });
  }
  if (pending !== "") throw new Error("the last instruction ends with a continuation");
  return instructions;
}

/** The words of the `apt-get install` command in `command`, options left out. */
function aptPackages(command: string): string[] {
  const match = /apt-get\s+install\s+([^&|;>]*)/.exec(command);
  if (match === null) return [];
  return (match[1] as string).split(/\s+/).filter((word) => word !== "" && !word.startsWith("-"));
}

const dockerfile = parseDockerfile(readFileSync("Dockerfile.dev", "utf8"));
const runs = dockerfile.filter((i) => i.keyword === "RUN").map((i) => i.args);
const args = new Map(
  dockerfile
    .filter((i) => i.keyword === "ARG")
    .map((i) => {
      const [name, value = ""] = i.args.split("=", 2);
      return [name as string, value] as const;
    }),
);
const indexOf = (predicate: (i: Instruction) => boolean) => dockerfile.findIndex(predicate);

describe("Dockerfile.dev", () => {
  it("starts from Debian 12 (bookworm), in one stage", () => {
    const froms = dockerfile.filter((i) => i.keyword === "FROM");
    expect(froms.map((i) => i.args)).toEqual(["debian:bookworm"]);
    expect(dockerfile[0]?.keyword === "FROM" || dockerfile[0]?.keyword === "ARG").toBe(true);
  });

  it("installs every package CI installs (.ci/run), and the tools the tests and the Node download need", () => {
    const installed = runs.flatMap(aptPackages);
    const ciRun = readFileSync(".ci/run", "utf8");
    const ciPackages = ciRun
      .split("\n")
      .filter((line) => !line.trim().startsWith("#"))
      .flatMap(aptPackages);
    expect(ciPackages.length).toBeGreaterThan(0);
    for (const name of ciPackages) expect(installed, `${name} (from .ci/run)`).toContain(name);
    for (const name of ["gnupg", "systemd", "shellcheck", "prometheus", "procps", "python3"]) {
      expect(installed).toContain(name);
    }
    for (const name of ["ca-certificates", "curl", "xz-utils"]) expect(installed).toContain(name);
    const aptRun = runs.find((run) => aptPackages(run).length > 0) as string;
    expect(aptRun).toMatch(/^apt-get update\s+&&/);
    expect(aptRun).toContain("--no-install-recommends");
    expect(aptRun).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*\s*$/);
  });

  it("installs Node 22 from nodejs.org, pinned by version and SHA-256 for each architecture, and checks it", () => {
    expect(args.get("NODE_VERSION")).toMatch(/^22\.\d+\.\d+$/);
    expect(args.get("NODE_SHA256_X64")).toMatch(/^[0-9a-f]{64}$/);
    expect(args.get("NODE_SHA256_ARM64")).toMatch(/^[0-9a-f]{64}$/);
    expect(args.get("NODE_SHA256_X64")).not.toBe(args.get("NODE_SHA256_ARM64"));
    const nodeRun = runs.find((run) => run.includes("nodejs.org")) as string;
    expect(nodeRun).toMatch(/"https:\/\/nodejs\.org\/dist\/v\$\{NODE_VERSION\}\/\$\{tarball\}"/);
    expect(nodeRun).toMatch(/tarball="node-v\$\{NODE_VERSION\}-linux-\$\{arch\}\.tar\.xz"/);
    expect(nodeRun).toMatch(/amd64\) arch=x64; sha256="\$NODE_SHA256_X64"/);
    expect(nodeRun).toMatch(/arm64\) arch=arm64; sha256="\$NODE_SHA256_ARM64"/);
    expect(nodeRun).toMatch(/\*\) echo .* exit 1/); // any other architecture: no unverified download
    // The checksum is checked before the archive is unpacked, and the installed node is the pinned one.
    const check = nodeRun.indexOf("sha256sum --check --strict");
    expect(check).toBeGreaterThan(nodeRun.indexOf("curl -fsSL"));
    expect(nodeRun.indexOf("tar -xJf")).toBeGreaterThan(check);
    expect(nodeRun).toMatch(/\[ "\$\(node --version\)" = "v\$\{NODE_VERSION\}" \]\s*$/);
    // A failing step in a pipe (curl | …) must fail the build.
    expect(dockerfile.find((i) => i.keyword === "SHELL")?.args).toBe('["/bin/bash", "-o", "pipefail", "-c"]');
    expect(indexOf((i) => i.keyword === "SHELL")).toBeLessThan(indexOf((i) => i.args === nodeRun));
  });

  it("has RUN steps that bash (its SHELL) parses", () => {
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      const parsed = spawnSync("bash", ["-n", "-o", "pipefail", "-c", run], { encoding: "utf8" });
      expect(parsed.stderr, run).toBe("");
      expect(parsed.status, run).toBe(0);
    }
  });

  it("runs npm ci on the manifests alone, then copies the checkout and runs npm test", () => {
    const workdir = indexOf((i) => i.keyword === "WORKDIR" && i.args === "/src");
    const copyManifests = indexOf(
      (i) => i.keyword === "COPY" && i.args === "package.json package-lock.json ./",
    );
    const npmCi = indexOf((i) => i.keyword === "RUN" && /^npm ci\b/.test(i.args));
    const copyAll = indexOf((i) => i.keyword === "COPY" && i.args === ". .");
    const node = indexOf((i) => i.keyword === "RUN" && i.args.includes("nodejs.org"));
    expect(workdir).toBeGreaterThan(node);
    expect(copyManifests).toBeGreaterThan(workdir);
    expect(npmCi).toBeGreaterThan(copyManifests);
    expect(copyAll).toBeGreaterThan(npmCi);
    expect(dockerfile.at(-1)).toEqual({ keyword: "CMD", args: '["npm", "test"]' });
  });

  it("never copies the host's node_modules or build output over the image's (.dockerignore)", () => {
    const ignored = readFileSync(".dockerignore", "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    for (const path of ["node_modules", "dist", ".cache"]) expect(ignored).toContain(path);
  });
});

describe("the Dockerfile reader", () => {
  it("joins continued lines, skips comments inside them and keeps the order", () => {
    expect(parseDockerfile('# c\nFROM debian:bookworm\nRUN a \\\n  # inside\n  && b\nCMD ["x"]\n')).toEqual([
      { keyword: "FROM", args: "debian:bookworm" },
      { keyword: "RUN", args: "a && b" },
      { keyword: "CMD", args: '["x"]' },
    ]);
    expect(aptPackages("apt-get install -y --no-install-recommends a b-c >/dev/null")).toEqual(["a", "b-c"]);
    expect(() => parseDockerfile("RUN a \\\n")).toThrow(/continuation/);
  });
});
