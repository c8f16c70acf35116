import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const UNIT = "systemd/ecs-anywhere-register.service";
const analyze = spawnSync("systemd-analyze", ["--version"]);

describe("the register unit", () => {
  // Skipped only outside CI when systemd-analyze is absent; CI installs it (.ci/run).
  it.skipIf(analyze.error !== undefined && !process.env.CI)(
    "passes systemd-analyze verify with the real bundle as ExecStart",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "ecsa-unit-"));
      const text = readFileSync(UNIT, "utf8").replaceAll(
        "/usr/local/bin/ecs-anywhere-agent",
        resolve("dist/ecs-anywhere-agent.mjs"),
      );
      writeFileSync(join(dir, "ecs-anywhere-register.service"), text);
      const run = spawnSync("systemd-analyze", ["verify", join(dir, "ecs-anywhere-register.service")], {
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
    },
  );

  it("does not wait for cloud-init, which would deadlock ecs.service (field notes §6.10)", () => {
    const text = readFileSync(UNIT, "utf8");
    expect(text).not.toMatch(/^(After|Requires|Wants)=.*cloud-final/m);
    expect(text).toMatch(/^Type=oneshot$/m);
    expect(text).toMatch(/--activation-file \/etc\/ecs-anywhere-agent\/activation\.json/);
  });
});
