// scripts/node-runtime.sh and scripts/smoke-node.sh: the production runtimes (Node 22 and 24) CI smoke-tests the
// bundle on. Installing a runtime needs the npm registry, so only what runs offline is tested here: bad usage, the
// lint, and that CI runs the smoke test on both.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const SCRIPTS = ["scripts/node-runtime.sh", "scripts/smoke-node.sh"];
const haveShellcheck = spawnSync("shellcheck", ["--version"], { stdio: "ignore" }).status === 0;

describe("the Node runtime scripts", () => {
  it("refuse a missing or malformed major version with one usage line and exit 2, installing nothing", () => {
    for (const args of [
      ["scripts/node-runtime.sh"],
      ["scripts/node-runtime.sh", "v24"],
      ["scripts/node-runtime.sh", "22", "24"],
    ]) {
      const run = spawnSync("bash", args, {
        encoding: "utf8",
        env: { PATH: process.env.PATH, HOME: "/nonexistent" },
      });
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe("usage: scripts/node-runtime.sh MAJOR (e.g. 22 or 24)\n");
    }
    const smoke = spawnSync("bash", ["scripts/smoke-node.sh"], { encoding: "utf8" });
    expect(smoke.status).toBe(2);
    expect(smoke.stderr).toBe("usage: scripts/smoke-node.sh MAJOR (e.g. 22 or 24)\n");
  });

  it("pass shellcheck", ({ skip }) => {
    skip(!haveShellcheck, "shellcheck is not installed");
    const checked = spawnSync("shellcheck", SCRIPTS, { encoding: "utf8" });
    expect(checked.stdout).toBe("");
    expect(checked.status).toBe(0);
  });

  it("are run by CI for Node 22 and Node 24, after the tests", () => {
    const ci = readFileSync(".ci/run", "utf8");
    const tests = ci.indexOf("\nnpm test\n");
    expect(tests).toBeGreaterThan(0);
    for (const major of [22, 24]) {
      expect(ci.indexOf(`\nbash scripts/smoke-node.sh ${major}\n`)).toBeGreaterThan(tests);
    }
  });
});
