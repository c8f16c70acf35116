import { execFileSync } from "node:child_process";
import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER, expectRefused, startWorld, type World } from "./harness.ts";

// Bad operator input around files, URLs and numbers: one `error (input):` line, exit 2, and nothing called,
// downloaded or written (no just-in-time activation created and deleted again half-way through).
let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.stop());

const UUID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";

describe("register refuses unusable operator files with exit 2", () => {
  it("an --activation-code-file that is a folder", async () => {
    const folder = join(world.scratch, "code-folder");
    await mkdir(folder, { recursive: true });
    await expectRefused(
      world,
      () => world.register(["--activation-id", UUID, "--activation-code-file", folder]),
      new RegExp(`--activation-code-file: cannot read ${folder} \\(it is a directory\\)$`),
    );
  });

  it("a relative --activation-file (resolved against the working directory, not refused as a host path)", async () => {
    const missing = join(world.scratch, "missing-activation.json");
    await expectRefused(
      world,
      () => world.register(["--activation-file", relative(process.cwd(), missing)]),
      new RegExp(`--activation-file: file not found: ${missing}$`),
    );
  });

  it("an --activation-file that is JSON but not an object", async () => {
    const file = await world.operatorFile("null-activation.json", "null\n");
    await expectRefused(
      world,
      () => world.register(["--activation-file", file]),
      new RegExp(`--activation-file: ${file} is not a JSON object`),
    );
  });

  it("an --install-script that does not exist", async () => {
    const missing = join(world.scratch, "no-such-install.sh");
    await expectRefused(
      world,
      () => world.register(["--install-script", missing, "--install-script-sha256", "a".repeat(64)]),
      new RegExp(`--install-script: file not found: ${missing}$`),
    );
  });

  it("a --gpg-key-file that does not exist, when the signature would be checked with it", async () => {
    const missing = join(world.scratch, "no-such-key.asc");
    await expectRefused(
      world,
      () => world.register(["--gpg-key-file", missing]),
      new RegExp(`--gpg-key-file: file not found: ${missing}$`),
    );
  });

  it("a --root that is a file", async () => {
    const file = join(world.scratch, "root-is-a-file");
    await writeFile(file, "not a folder\n");
    await expectRefused(
      world,
      () => world.cloud(["register", "--cluster", CLUSTER, "--root", file]),
      new RegExp(`--root: not a directory: ${file}$`),
    );
  });
});

describe("register reads only regular files of at most 1 MiB, and answers at once", () => {
  const fifo = async (name: string) => {
    const file = join(world.scratch, name);
    execFileSync("mkfifo", [file]);
    return file;
  };
  const sparse = async (name: string) => {
    const file = await world.operatorFile(name, "");
    await truncate(file, 200 * 1024 * 1024); // 200 MB that take no disk space
    return file;
  };

  it("an --activation-file that is a FIFO", { timeout: 10_000 }, async () => {
    const file = await fifo("activation.fifo");
    await expectRefused(
      world,
      () => world.register(["--activation-file", file]),
      new RegExp(
        `--activation-file: cannot read ${file} \\(it is a FIFO \\(named pipe\\), not a regular file\\)$`,
      ),
    );
  });

  it("an --activation-code-file that is /dev/zero, or a symlink to it", { timeout: 10_000 }, async () => {
    const link = join(world.scratch, "code-link");
    await symlink("/dev/zero", link);
    for (const file of ["/dev/zero", link]) {
      await expectRefused(
        world,
        () => world.register(["--activation-id", UUID, "--activation-code-file", file]),
        new RegExp(
          `--activation-code-file: cannot read ${file} \\(it is a character device, not a regular file\\)$`,
        ),
      );
    }
  });

  it("a 200 MB --activation-file", { timeout: 10_000 }, async () => {
    const file = await sparse("huge-activation.json");
    await expectRefused(
      world,
      () => world.register(["--activation-file", file]),
      new RegExp(`--activation-file: cannot read ${file} \\(it is larger than the 1 MiB limit\\)$`),
    );
  });

  it("a --config that is a FIFO, /dev/zero or 200 MB", { timeout: 10_000 }, async () => {
    const cases: [string, string][] = [
      [await fifo("config.fifo"), "it is a FIFO \\(named pipe\\), not a regular file"],
      ["/dev/zero", "it is a character device, not a regular file"],
      [await sparse("huge.yaml"), "it is larger than the 1 MiB limit"],
    ];
    for (const [file, why] of cases) {
      await expectRefused(
        world,
        () => world.register(["--config", file]),
        new RegExp(`config file ${file}: cannot read it \\(${why}\\)$`),
      );
    }
  });

  it("an --install-script that is a FIFO or 200 MB", { timeout: 10_000 }, async () => {
    const cases: [string, string][] = [
      [await fifo("install.fifo"), "it is a FIFO \\(named pipe\\), not a regular file"],
      [await sparse("huge-install.sh"), "it is larger than the 1 MiB limit"],
    ];
    for (const [file, why] of cases) {
      await expectRefused(
        world,
        () => world.register(["--install-script", file, "--install-script-sha256", "a".repeat(64)]),
        new RegExp(`--install-script: cannot read ${file} \\(${why}\\)$`),
      );
    }
  });

  it("an empty --root", async () => {
    await expectRefused(
      world,
      () => world.cloud(["register", "--cluster", CLUSTER, "--root", ""]),
      /--root: must not be empty/,
    );
  });
});

describe("register refuses malformed values with exit 2", () => {
  it("a malformed --gpg-key-url", async () => {
    await expectRefused(
      world,
      () => world.register(["--gpg-key-url", "not a url"]),
      /--gpg-key-url: must be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it("a non-numeric --verify-timeout", async () => {
    await expectRefused(
      world,
      () => world.register(["--verify-timeout", "soon"]),
      /--verify-timeout: "soon" is not a duration/,
    );
  });

  it("a bad --max-attempts (AWS is only called later, after host writes)", async () => {
    await expectRefused(
      world,
      () => world.register(["--max-attempts", "zero"]),
      /--max-attempts: must be a whole number/,
    );
  });
});

describe("a signing key trusted through the config file", () => {
  it("warns like --insecure-key-fingerprint does", async () => {
    const config = await world.operatorFile(
      "fingerprint.yaml",
      `host:\n  installScript:\n    fingerprint: ${world.key.fingerprint}\n`,
    );
    const run = await world.agent([
      "register",
      "--cluster",
      CLUSTER,
      "--config",
      config,
      "--install-script-url",
      world.server.url,
      "--gpg-key-file",
      world.keyFile,
      "--dry-run",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `WARNING: host.installScript.fingerprint: trusting signing key ${world.key.fingerprint.toUpperCase()} instead of the pinned Amazon ECS key`,
    );
  });
});
