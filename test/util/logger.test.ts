import { describe, expect, it } from "vitest";
import type { LogLevel } from "../../src/util/log-levels.ts";
import { createLogger } from "../../src/util/logger.ts";
import { Redactor } from "../../src/util/redact.ts";

function capture(level: LogLevel) {
  const lines: string[] = [];
  const log = createLogger(level, new Redactor(), (line) => lines.push(line));
  return { log, lines, text: () => lines.join("") };
}

/** A stack frame line as V8 prints it ("    at f (file.js:1:2)"), escaped into JSON or not. */
const FRAME = /(\\n|\n)\s+at /;

describe("the logger shows no stack trace below the debug level", () => {
  it.each(["fatal", "error", "warn", "info"] as const)(
    "at %s an error field is its one-line message",
    (level) => {
      const { log, lines, text } = capture(level);
      const error = new Error("could not delete the activation\nsecond line");
      log.fatal({ activationId: "a-1", error }, "could not delete an activation left behind");
      log.fatal(new TypeError("a bug"), "unexpected failure");
      log.fatal({ err: new Error("under err") }, "with err");
      expect(lines).toHaveLength(3);
      expect(JSON.parse(lines[0] as string)).toMatchObject({
        activationId: "a-1",
        error: "could not delete the activation",
        msg: "could not delete an activation left behind",
      });
      expect(JSON.parse(lines[1] as string)).toMatchObject({ err: "a bug" });
      expect(JSON.parse(lines[2] as string)).toMatchObject({ err: "under err" });
      expect(text()).not.toMatch(FRAME);
      expect(text()).not.toContain("stack");
    },
  );

  it("cuts the frames off a stack trace that was turned into a string", () => {
    const { log, text } = capture("warn");
    log.warn({ error: String(new Error("boom").stack) }, "failed");
    expect(JSON.parse(text())).toMatchObject({ error: "Error: boom" });
  });

  it.each(["debug", "trace"] as const)("at %s the stack is there to debug with", (level) => {
    const { log, text } = capture(level);
    log.debug({ error: new Error("boom") }, "unexpected failure");
    const line = JSON.parse(text()) as { error: { message: string; stack: string } };
    expect(line.error.message).toBe("boom");
    expect(line.error.stack).toMatch(/\n\s+at /);
  });
});

describe("the logger shows no raw control character", () => {
  it("escapes C1 controls pino's JSON leaves raw, and leaves nothing raw below U+0020", () => {
    const { log, text } = capture("info");
    log.info({ cluster: "edge\u001b[2J\r\u009b31m", version: "v1\u0007" }, "agent answered");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that none are left
    expect(text().replace(/\n$/, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(JSON.parse(text())).toMatchObject({ cluster: "edge\u001b[2J\r\u009b31m", version: "v1\u0007" });
  });
});

describe("log lines name their level", () => {
  it('carries "level":"info" (a name, not pino\'s number) at every level', () => {
    const { log, lines } = capture("trace");
    log.info("started");
    log.warn("slow");
    log.debug("detail");
    expect(lines.map((line) => (JSON.parse(line) as { level: unknown }).level)).toEqual([
      "info",
      "warn",
      "debug",
    ]);
    expect(lines[0]).toContain('"level":"info"');
  });
});

describe("levels and children (the logger makes its pino logger on the first line it writes)", () => {
  it("answers isLevelEnabled by rank, and writes only enabled lines", () => {
    const { log, lines } = capture("warn");
    expect(
      ["fatal", "error", "warn", "info", "debug", "trace"].map((level) =>
        log.isLevelEnabled(level as LogLevel),
      ),
    ).toEqual([true, true, true, false, false, false]);
    log.info("not written");
    log.debug({ detail: 1 }, "not written");
    log.error({ code: 7 }, "written");
    expect(lines.map((line) => JSON.parse(line) as { msg: string; code: number })).toMatchObject([
      { level: "error", msg: "written", code: 7 },
    ]);
  });

  it("writes nothing when silent", () => {
    const { log, lines } = capture("silent");
    expect(log.isLevelEnabled("fatal")).toBe(false);
    log.fatal("not written");
    log.child({ step: "a" }).error("not written");
    expect(lines).toEqual([]);
  });

  it("a child adds its bindings, keeps the parent's level, or has its own", () => {
    const { log, lines } = capture("info");
    const step = log.child({ step: "install" });
    const quiet = log.child({ step: "probe" }, { level: "error" });
    const nested = step.child({ attempt: 2 });
    expect(step.isLevelEnabled("info")).toBe(true);
    expect(quiet.isLevelEnabled("warn")).toBe(false);
    step.debug("not written");
    step.info("step line");
    quiet.warn("not written");
    quiet.error("quiet line");
    nested.info({ ok: true }, "nested line");
    log.info("root line");
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { step: "install", msg: "step line" },
      { step: "probe", msg: "quiet line", level: "error" },
      { step: "install", attempt: 2, ok: true, msg: "nested line" },
      { msg: "root line" },
    ]);
    expect(JSON.parse(lines[3] as string)).not.toHaveProperty("step");
  });

  it("a child's lines are redacted and escaped like the root's, and its bindings are those given to child()", () => {
    const redactor = new Redactor();
    redactor.add("s3cr3t-activation-code");
    const lines: string[] = [];
    const log = createLogger("info", redactor, (line) => lines.push(line));
    const bindings: Record<string, unknown> = { step: "activation" };
    const child = log.child(bindings);
    bindings.step = "changed later";
    child.info({ code: "s3cr3t-activation-code", note: "a\u001b[2Jb" }, "used s3cr3t-activation-code");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("s3cr3t-activation-code");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that none are left
    expect((lines[0] as string).replace(/\n$/, "")).not.toMatch(/[\u0000-\u001f]/);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ step: "activation" });
  });
});
