// scripts/install.sh --release / --rollback: the agent's own upgrade, run for real with DESTDIR (the suite's pretest
// builds dist/, which the release tarballs carry).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { listing, temp } from "./tree.ts";

const REPO = resolve(".");
const SCRIPT = join(REPO, "scripts/install.sh");
const PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;
const CODE = "opt/ecs-anywhere-agent";

/** A release tarball as `npm pack` makes it (everything under package/), of this build with `version`. */
function tarball(version: string, change?: (pkg: string) => void): { file: string; sha256: string } {
  if (!existsSync(join(REPO, "dist/ecs-anywhere-agent.mjs")))
    throw new Error("dist/ is missing: npm run build");
  const stage = temp("release-stage-");
  const pkg = join(stage, "package");
  for (const path of ["dist", "systemd", "deploy/config"]) {
    cpSync(join(REPO, path), join(pkg, path), { recursive: true });
  }
  const json = readFileSync(join(REPO, "package.json"), "utf8").replace(
    /^ {2}"version": ".*",$/m,
    `  "version": "${version}",`,
  );
  writeFileSync(join(pkg, "package.json"), json);
  change?.(pkg);
  const out = join(temp("release-out-"), `ecs-anywhere-agent-${version}.tgz`);
  const tar = spawnSync("tar", ["-czf", out, "-C", stage, "package"], { encoding: "utf8" });
  if (tar.status !== 0) throw new Error(tar.stderr);
  return { file: out, sha256: createHash("sha256").update(readFileSync(out)).digest("hex") };
}

function install(args: string[], dest: string) {
  const run = spawnSync("bash", [SCRIPT, ...args], { env: { PATH, DESTDIR: dest }, encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const link = (dest: string, path: string) => readlinkSync(join(dest, path));
const versionIn = (dest: string, path: string) =>
  (JSON.parse(readFileSync(join(dest, path, "package.json"), "utf8")) as { version: string }).version;

describe("install.sh --release and --rollback (DESTDIR)", () => {
  it("installs v1, upgrades to v2 keeping v1, refuses a wrong SHA-256 changing nothing, rolls back to v1", () => {
    const dest = temp("release-dest-");
    const v1 = tarball("1.0.0");
    const v2 = tarball("1.1.0");
    const v3 = tarball("1.2.0");

    const first = install(["--release", v1.file, "--sha256", v1.sha256], dest);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(`ecs-anywhere-agent 1.0.0 staged under ${dest} (no systemctl with DESTDIR)\n`);
    expect(link(dest, `${CODE}/current`)).toBe("releases/1.0.0");
    expect(existsSync(join(dest, CODE, "previous"))).toBe(false);
    expect(link(dest, "usr/local/bin/ecs-anywhere-agent")).toBe(
      `../../../${CODE}/current/dist/ecs-anywhere-agent.mjs`,
    );
    expect(versionIn(dest, `${CODE}/current`)).toBe("1.0.0");
    expect(readFileSync(join(dest, CODE, "current/release.sha256"), "utf8")).toBe(`${v1.sha256}\n`);
    // The link runs the installed bundle.
    const agent = spawnSync(join(dest, "usr/local/bin/ecs-anywhere-agent"), ["--version"], {
      env: { PATH, HOME: dest },
      encoding: "utf8",
    });
    expect(agent.status, agent.stderr).toBe(0);

    // v2 with its digest in SHA256SUMS next to the tarball (sha256sum's own format).
    writeFileSync(join(dirname(v2.file), "SHA256SUMS"), `${v2.sha256}  ${v2.file.split("/").at(-1)}\n`);
    const second = install(["--release", v2.file], dest);
    expect(second.status, second.stderr).toBe(0);
    expect(link(dest, `${CODE}/current`)).toBe("releases/1.1.0");
    expect(link(dest, `${CODE}/previous`)).toBe("releases/1.0.0");
    expect(versionIn(dest, `${CODE}/current`)).toBe("1.1.0");
    expect(versionIn(dest, `${CODE}/previous`)).toBe("1.0.0");

    // v3 with v2's digest: refused, one line, exit 2, nothing changed.
    const before = listing(dest);
    const wrong = install(["--release", v3.file, "--sha256", v2.sha256], dest);
    expect(wrong.status).toBe(2);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toBe(
      `install.sh: ${v3.file} has SHA-256 ${v3.sha256}, not ${v2.sha256}: refusing it (download it again)\n`,
    );
    expect(listing(dest)).toEqual(before);

    const back = install(["--rollback"], dest);
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).toBe(
      "ecs-anywhere-agent rolled back to 1.0.0 in /opt/ecs-anywhere-agent (1.1.0 kept as previous)\n",
    );
    expect(link(dest, `${CODE}/current`)).toBe("releases/1.0.0");
    expect(link(dest, `${CODE}/previous`)).toBe("releases/1.1.0");
    expect(versionIn(dest, `${CODE}/current`)).toBe("1.0.0");

    // The next release replaces the rolled-back one; only two releases stay.
    expect(install(["--release", v3.file, "--sha256", v3.sha256.toUpperCase()], dest).status).toBe(0);
    expect(link(dest, `${CODE}/current`)).toBe("releases/1.2.0");
    expect(link(dest, `${CODE}/previous`)).toBe("releases/1.0.0");
    expect(readdirSync(join(dest, CODE, "releases")).sort()).toEqual(["1.0.0", "1.2.0"]);
    // The digest as sha256sum prints it, whatever case it was given in.
    expect(readFileSync(join(dest, CODE, "current/release.sha256"), "utf8")).toBe(`${v3.sha256}\n`);
  });

  it("installing the current release again changes nothing", () => {
    const dest = temp("release-dest-");
    const v1 = tarball("1.0.0");
    expect(install(["--release", v1.file, "--sha256", v1.sha256], dest).status).toBe(0);
    const before = listing(dest);
    const again = install(["--release", v1.file, "--sha256", v1.sha256], dest);
    expect(again.status, again.stderr).toBe(0);
    expect(listing(dest)).toEqual(before);
  });

  it("--dry-run plans the switch and writes nothing", () => {
    const dest = temp("release-dest-");
    const v1 = tarball("1.0.0");
    const run = install(["--release", v1.file, "--sha256", v1.sha256, "--dry-run"], dest);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`would run: mv -T -- ${dest}/${CODE}/current.new ${dest}/${CODE}/current\n`);
    expect(listing(dest)).toEqual([]);
  });

  it.each([
    ["no digest anywhere", () => [tarball("1.0.0").file], /pass --sha256 HEX, or put SHA256SUMS next to/],
    [
      "a digest that is not hex",
      () => [tarball("1.0.0").file, "--sha256", "abc"],
      /--sha256 must be 64 hexadecimal/,
    ],
    [
      "a missing tarball",
      () => ["/nonexistent/r.tgz", "--sha256", "0".repeat(64)],
      /--release: no such file/,
    ],
    [
      "a link inside the tarball",
      () => {
        const bad = tarball("1.0.0", (pkg) => symlinkSync("/etc/shadow", join(pkg, "dist/evil")));
        return [bad.file, "--sha256", bad.sha256];
      },
      /is not a release tarball \(entries outside package\/, or links\)/,
    ],
    [
      "an entry outside package/",
      () => {
        const stage = temp("release-stage-");
        mkdirSync(join(stage, "other"));
        writeFileSync(join(stage, "other/x"), "x");
        const out = join(temp("release-out-"), "r.tgz");
        spawnSync("tar", ["-czf", out, "-C", stage, "other"]);
        return [out, "--sha256", createHash("sha256").update(readFileSync(out)).digest("hex")];
      },
      /is not a release tarball/,
    ],
  ])("refuses %s: exit 2, one line, nothing written", (_name, args, message) => {
    const dest = temp("release-dest-");
    const run = install(["--release", ...args()], dest);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(listing(dest)).toEqual([]);
  });

  it("--rollback without a previous release refuses (exit 2)", () => {
    const dest = temp("release-dest-");
    const none = install(["--rollback"], dest);
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(`install.sh: no previous release to roll back to in ${dest}/${CODE}\n`);
    const v1 = tarball("1.0.0");
    expect(install(["--release", v1.file, "--sha256", v1.sha256], dest).status).toBe(0);
    expect(install(["--rollback"], dest).status).toBe(2);
    expect(link(dest, `${CODE}/current`)).toBe("releases/1.0.0");
  });
});
