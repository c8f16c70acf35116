import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's claims that code can check: the register unit as shipped, and what --help shows.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const UNIT = readFileSync(join(ROOT, "systemd", "ecs-anywhere-register.service"), "utf8");
/** Prose wraps lines: compare with runs of white space as one space. */
const flat = (text: string) => text.replace(/\s+/g, " ");

describe("the README", () => {
  it("documents the register unit with the command it really runs, its condition and its timeout", () => {
    const execStart = /^ExecStart=(\S+) (.*)$/m.exec(UNIT);
    expect(execStart).not.toBeNull();
    const [, binary, args] = execStart as RegExpExecArray;
    expect(flat(README)).toContain(`\`ecs-anywhere-agent ${args}\``);
    expect(README).toContain(`from \`${binary?.replace(/\/ecs-anywhere-agent$/, "")}\``);
    const condition = /^ConditionPathExists=(.*)$/m.exec(UNIT)?.[1];
    expect(flat(README)).toContain(`only when \`${condition}\` exists`);
    expect(/^TimeoutStartSec=(\d+)min$/m.exec(UNIT)?.[1]).toBe("30");
    expect(README).toContain("It gives the run 30 minutes.");
  });

  it("does not claim that the root --help lists every flag (a command's flags are under COMMAND --help)", () => {
    expect(README).not.toMatch(/--help\s+# every command and flag/);
    expect(README).toContain("ecs-anywhere-agent register --help");
  });
});
