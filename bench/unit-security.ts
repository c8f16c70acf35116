import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

/**
 * `systemd-analyze security --offline=yes` of a shipped unit (systemd >= 250 reviews a unit file without a
 * running systemd): its overall exposure, 0.0 (best) to 10.0, and systemd's word for it. ExecStart points at the
 * real bundle, as the path must exist where the review runs.
 */
export function unitExposure(unitFile: string): { score: number; level: string } {
  const dir = mkdtempSync(join(tmpdir(), "ecsa-unit-security-"));
  try {
    const copy = join(dir, basename(unitFile));
    writeFileSync(
      copy,
      readFileSync(unitFile, "utf8").replaceAll(
        "/usr/local/bin/ecs-anywhere-agent",
        resolve("dist/ecs-anywhere-agent.mjs"),
      ),
    );
    const run = spawnSync("systemd-analyze", ["security", "--offline=yes", "--no-pager", copy], {
      encoding: "utf8",
      env: { ...process.env, SYSTEMD_COLORS: "0" },
    });
    if (run.error) throw run.error;
    // "→ Overall exposure level for ecs-anywhere-agent.service: 1.9 OK 🙂"
    const match = /Overall exposure level for \S+: (\d+(?:\.\d+)?) (\w+)/.exec(run.stdout);
    if (!match) throw new Error(`systemd-analyze security printed no exposure level: ${run.stderr.trim()}`);
    return { score: Number(match[1]), level: match[2] as string };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
