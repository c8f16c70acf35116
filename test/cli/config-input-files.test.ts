import { execFileSync } from "node:child_process";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";

// `config validate --config FILE` with a file that is not a config file: exit 2 at once, one line, and not one
// byte of the file's content in the output (it could be /etc/shadow, named by mistake).
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ecsa-config-input-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const SHADOW =
  "root:$6$Qx3kV9eR$u8Hq2mZ0yWc4LbN7pTfA1sKdJ5gE9oIrXvB3nM6hC8lY2wQ0zU4tS7aD1fG5jK9:19000:0:99999:7:::\n" +
  "daemon:*:19000:0:99999:7:::\n";

async function validate(file: string, output: "text" | "json") {
  return cli(["config", "validate", "--output", output, "--config", file], {});
}

describe("config validate with a file that is not YAML", () => {
  it.each(["text", "json"] as const)("never echoes a shadow-like file (--output %s)", async (output) => {
    const file = join(dir, "shadow");
    await writeFile(file, SHADOW, { mode: 0o600 });
    const run = await validate(file, output);
    expect(run.code).toBe(2);
    for (const secret of ["$6$", "Qx3kV9eR", "root:", "daemon", "19000"]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
    const message = output === "json" ? JSON.parse(run.stdout).error.message : run.stderr.trim();
    expect(message).toContain(`config file ${file}: line 1: a top-level key that is not a setting name`);
    expect(message).toContain("its content is not shown");
    if (output === "text") expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("never echoes a binary file", async () => {
    const file = join(dir, "binary");
    await writeFile(file, Buffer.from([0x63, 0x6c, 0x3a, 0x20, 0xff, 0xfe, 0x00, 0x41, 0x42, 0x0a]));
    const run = await validate(file, "text");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error (input): config file ${file}: is not a text file (its content is not shown)\n`,
    );
  });
});

describe("config validate with a file that is not a bounded regular file answers at once", () => {
  it("a FIFO", { timeout: 10_000 }, async () => {
    const fifo = join(dir, "config.fifo");
    execFileSync("mkfifo", [fifo]);
    const run = await validate(fifo, "text");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error (input): config file ${fifo}: cannot read it (it is a FIFO (named pipe), not a regular file)\n`,
    );
  });

  it("but /dev/null is the usual empty config, and is accepted", async () => {
    const run = await cli(["config", "validate", "--config", "/dev/null", "--region", "eu-west-1"], {});
    expect(run.code).toBe(0);
  });

  it("/dev/zero", { timeout: 10_000 }, async () => {
    const run = await validate("/dev/zero", "text");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error (input): config file /dev/zero: cannot read it (it is a character device, not a regular file)\n",
    );
  });

  it("a 200 MB YAML file", { timeout: 10_000 }, async () => {
    const big = join(dir, "big.yaml");
    await writeFile(big, "cluster: edge\n");
    await truncate(big, 200 * 1024 * 1024);
    const started = Date.now();
    const run = await validate(big, "text");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error (input): config file ${big}: cannot read it (it is larger than the 1 MiB limit)\n`,
    );
  });
});
