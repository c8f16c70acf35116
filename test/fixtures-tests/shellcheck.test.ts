import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../fixtures/bin", import.meta.url));
const LIB = fileURLToPath(new URL("../fixtures/lib", import.meta.url));
const SYSTEMD = fileURLToPath(new URL("../fixtures/systemd", import.meta.url));

/** Every shell script of the fixtures (by shebang): ours, not test/fixtures/gpg. */
const scripts = [BIN, SYSTEMD]
  .flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)))
  .filter((file) =>
    /^#!\s*\/(usr\/)?bin\/(env )?(ba)?sh\b/.test(readFileSync(file, "utf8").split("\n")[0] ?? ""),
  );
/** The bash the scripts source (shellcheck reports nothing about a sourced file it is not given). */
const sourced = readdirSync(LIB)
  .filter((name) => name.endsWith(".bash"))
  .map((name) => join(LIB, name));

const shellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
const available = shellcheck.status === 0;

describe("fixture shell scripts", () => {
  it("are found and executable", () => {
    expect(scripts.map((f) => f.slice(BIN.length + 1))).toContain("ecs-anywhere-install.sh");
    expect(sourced.map((f) => f.slice(LIB.length + 1))).toContain("fake-tool.bash");
    for (const file of scripts) expect(statSync(file).mode & 0o111).not.toBe(0);
  });

  it("pass shellcheck (skipped, with a note, when shellcheck is not installed)", (ctx) => {
    ctx.skip(
      !available,
      "shellcheck is not installed (apt-get install shellcheck): the fixture scripts were not linted",
    );
    for (const file of [...scripts, ...sourced]) {
      const out = spawnSync("shellcheck", ["--severity=style", file], { encoding: "utf8" });
      expect(out.stdout + out.stderr, file).toBe("");
      expect(out.status, file).toBe(0);
    }
  });

  it("parse with bash -n", () => {
    for (const file of [...scripts, ...sourced]) execFileSync("bash", ["-n", file]);
  });
});
