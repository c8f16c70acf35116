import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import { fakeClock } from "../../support/clock.ts";

const CONFIG = "/etc/ecs/ecs.config";

describe("HostFs", () => {
  let root: string;
  let fs: HostFs;
  let savedUmask: number;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "hostfs-test-"));
    fs = new HostFs(root, fakeClock(new Date("2026-11-25T12:00:00.000Z")));
    await fs.mkdir("/etc/ecs");
    savedUmask = process.umask(0o000); // the most permissive umask: modes must not depend on it
  });
  afterEach(async () => {
    process.umask(savedUmask);
    await rm(root, { recursive: true, force: true });
  });

  const modeOf = async (hostPath: string) => (await stat(path.join(root, hostPath))).mode & 0o7777;

  it("joins every host path under its root", () => {
    expect(fs.resolve(CONFIG)).toBe(path.join(root, "etc/ecs/ecs.config"));
  });

  it("refuses paths that could escape the root", () => {
    expect(() => fs.resolve("/etc/../../outside")).toThrow(/\.\./);
    expect(() => fs.resolve("etc/ecs/ecs.config")).toThrow(/absolute/);
  });

  it("writes atomically with mode 0600 even under a permissive umask", async () => {
    expect(await fs.writeFileAtomic(CONFIG, "ECS_CLUSTER=prod\n", { mode: 0o600 })).toBe(true);
    expect(await fs.readText(CONFIG)).toBe("ECS_CLUSTER=prod\n");
    expect(await modeOf(CONFIG)).toBe(0o600);
    expect((await stat(fs.resolve(CONFIG))).mode & 0o7777).toBe(0o600);
  });

  it("sets the requested mode even when a strict umask would mask it", async () => {
    process.umask(0o077);
    await fs.writeFileAtomic("/etc/ecs/public.txt", "hello\n", { mode: 0o644 });
    expect(await modeOf("/etc/ecs/public.txt")).toBe(0o644);
  });

  it("tightens the mode of an existing world-readable file it replaces", async () => {
    await writeFile(fs.resolve(CONFIG), "OLD=1\n", { mode: 0o644 });
    await fs.writeFileAtomic(CONFIG, "NEW=1\n", { mode: 0o600 });
    expect(await modeOf(CONFIG)).toBe(0o600);
  });

  it("reports no change for identical content, but still corrects the mode", async () => {
    await writeFile(fs.resolve(CONFIG), "SAME=1\n", { mode: 0o644 });
    expect(await fs.writeFileAtomic(CONFIG, "SAME=1\n", { mode: 0o600, backup: true })).toBe(false);
    expect(await modeOf(CONFIG)).toBe(0o600);
    expect(await fs.list("/etc/ecs")).toEqual(["ecs.config"]);
  });

  it("keeps a timestamped backup, never looser than the new mode, when the content changes", async () => {
    await writeFile(fs.resolve(CONFIG), "ECS_CLUSTER=old\n", { mode: 0o644 });
    await fs.writeFileAtomic(CONFIG, "ECS_CLUSTER=new\n", { mode: 0o600, backup: true });
    const backup = "/etc/ecs/ecs.config.bak.20261125T120000.000Z";
    expect(await fs.list("/etc/ecs")).toEqual(["ecs.config", "ecs.config.bak.20261125T120000.000Z"]);
    expect(await fs.readText(backup)).toBe("ECS_CLUSTER=old\n");
    expect(await modeOf(backup)).toBe(0o600);
  });

  it("does not overwrite an earlier backup taken at the same instant", async () => {
    await fs.writeFileAtomic(CONFIG, "A=1\n", { mode: 0o600 });
    await fs.writeFileAtomic(CONFIG, "A=2\n", { mode: 0o600, backup: true });
    await fs.writeFileAtomic(CONFIG, "A=3\n", { mode: 0o600, backup: true });
    const names = await fs.list("/etc/ecs");
    expect(names).toHaveLength(3);
    expect(await fs.readText(`/etc/ecs/${names[2]}`)).toBe("A=2\n");
  });

  it("leaves no temporary files behind, after a write and after a refused one", async () => {
    await fs.writeFileAtomic(CONFIG, "A=1\n", { mode: 0o600 });
    await fs.mkdir("/etc/ecs/ecs.config.d");
    await expect(fs.writeFileAtomic("/etc/ecs/ecs.config.d", "x", { mode: 0o600 })).rejects.toThrow();
    expect(await readdir(fs.resolve("/etc/ecs"))).toEqual(["ecs.config", "ecs.config.d"]);
  });

  it("reads a missing file as undefined and lists a missing folder as empty", async () => {
    expect(await fs.readText("/nope")).toBeUndefined();
    expect(await fs.exists("/nope")).toBe(false);
    expect(await fs.exists("/nope")).toBe(false);
    expect(await fs.list("/nope")).toEqual([]);
  });

  it("gives a new folder exactly the requested mode and the parents it creates 0755", async () => {
    await fs.mkdir("/var/lib/ecs/data", 0o700);
    expect(await modeOf("/var/lib/ecs/data")).toBe(0o700);
    expect(await modeOf("/var/lib")).toBe(0o755);
    expect(await fs.exists("/var/lib/ecs")).toBe(true);
  });

  it("leaves the mode of folders that already exist alone", async () => {
    expect(await modeOf("/etc/ecs")).toBe(0o755);
    await fs.mkdir("/etc/ecs", 0o700);
    expect(await modeOf("/etc/ecs")).toBe(0o755);
  });

  it("removes files and folders, and treats a missing path as already removed", async () => {
    await fs.writeFileAtomic(CONFIG, "A=1\n", { mode: 0o600 });
    await fs.remove(CONFIG);
    await fs.remove(CONFIG);
    await fs.remove("/etc", { recursive: true });
    expect(await fs.exists("/etc")).toBe(false);
  });

  it("makes private temporary folders under the root", async () => {
    await fs.mkdir("/tmp");
    const dir = await fs.makeTempDir("/tmp", "gpg-");
    expect(dir).toMatch(/^\/tmp\/gpg-/);
    expect(await modeOf(dir)).toBe(0o700);
  });

  it("removes a folder only when it is empty", async () => {
    await fs.mkdir("/var/lib/agent", 0o700);
    await fs.writeFileAtomic("/var/lib/agent/lock", "held\n", { mode: 0o600 });
    expect(await fs.removeEmptyDir("/var/lib/agent")).toBe(false);
    expect(await fs.exists("/var/lib/agent/lock")).toBe(true);
    await fs.remove("/var/lib/agent/lock");
    expect(await fs.removeEmptyDir("/var/lib/agent")).toBe(true);
    expect(await fs.exists("/var/lib/agent")).toBe(false);
    expect(await fs.removeEmptyDir("/var/lib/agent")).toBe(false);
  });
});
