import { describe, expect, it } from "vitest";
import {
  allPassed,
  type Check,
  type CheckContext,
  defineCheck,
  fail,
  pass,
  runChecks,
} from "../../src/checks/index.ts";
import { UsageError } from "../../src/errors.ts";
import { Redactor } from "../../src/util/redact.ts";
import { fakeClock } from "../support/clock.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

function context(): CheckContext {
  const redactor = new Redactor();
  redactor.add(SECRET);
  return { redactor, clock: fakeClock() } as unknown as CheckContext; // these checks read nothing else
}

const ran: string[] = [];
const passing = (name: string): Check =>
  defineCheck(name, "passes", async () => {
    ran.push(name);
    return pass("fine");
  });
const throwing = defineCheck("explodes", "throws", async () => {
  ran.push("explodes");
  throw new Error(`cannot parse ${SECRET}`);
});
const failing = defineCheck("fails", "fails", async () => {
  ran.push("fails");
  return fail("broken", "repair it");
});

describe("runChecks", () => {
  it("runs every check even when one throws, turning the throw into a fail with its message", async () => {
    ran.length = 0;
    const results = await runChecks([passing("first"), throwing, failing, passing("last")], context());
    expect(ran.sort()).toEqual(["explodes", "fails", "first", "last"]);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ["first", "ok"],
      ["explodes", "failed"],
      ["fails", "failed"],
      ["last", "ok"],
    ]);
    expect(results[1]?.summary).toBe("the check itself failed: cannot parse ****");
    expect(results[1]?.remediation).toMatch(/--skip explodes/);
    expect(allPassed(results)).toBe(false);
  });

  it("reports skipped checks without running them", async () => {
    ran.length = 0;
    const results = await runChecks([passing("first"), failing], context(), { skip: ["fails"] });
    expect(ran).toEqual(["first"]);
    expect(results[1]).toMatchObject({ id: "fails", status: "skipped", summary: "skipped (--skip)" });
    expect(allPassed(results)).toBe(true);
  });

  it("refuses an unknown skip name as a usage error before running anything", async () => {
    ran.length = 0;
    const pending = runChecks([passing("first"), failing], context(), { skip: ["fials"] });
    await expect(pending).rejects.toBeInstanceOf(UsageError);
    await expect(pending).rejects.toThrow('--skip: unknown check "fials" (checks: first, fails)');
    expect(ran).toEqual([]);
  });
});
