import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import { createSystemInfo, systemInfoWith, unameMachine } from "../../../src/adapters/host/system.ts";

describe("SystemInfo", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "system-info-"));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("spells architectures as uname -m does", () => {
    expect(unameMachine("x64")).toBe("x86_64");
    expect(unameMachine("arm64")).toBe("aarch64");
    expect(unameMachine("arm")).toBe("armv7l");
    expect(unameMachine("mips")).toBe("mips");
  });

  it("measures free space under the root, at the nearest existing folder of a missing path", async () => {
    await mkdir(path.join(root, "var"), { recursive: true });
    const system = createSystemInfo(new HostFs(root));
    const free = await system.freeBytes("/var/lib/does/not/exist");
    expect(free).toBeGreaterThan(0);
    expect(Number.isInteger(free)).toBe(true);
  });

  it("reports the real process identity", () => {
    const system = createSystemInfo(new HostFs(root));
    expect(system.uid()).toBe(process.geteuid?.());
    expect(system.hostname()).not.toBe("");
  });

  it("lets tests replace single facts with a plain object", async () => {
    const system = systemInfoWith(new HostFs(root), { uid: () => 0, freeBytes: async () => 42 });
    expect(system.uid()).toBe(0);
    expect(await system.freeBytes("/var/lib")).toBe(42);
    expect(system.arch()).toBe(unameMachine(process.arch));
  });
});
