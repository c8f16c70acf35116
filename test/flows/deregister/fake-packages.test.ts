import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../register/harness.ts";

// The fake package tools this folder's --purge tests rely on (test/fixtures/lib/packages.mjs).
let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax.
const STATUS = "-f=${Status}";
const run = (cmd: string, ...args: string[]) => world.host.run(cmd, args);

describe("the fake package tools", () => {
  it("tell an installed package by the files the install script wrote", async () => {
    expect((await run("dpkg-query", "-W", STATUS, "amazon-ecs-init")).code).toBe(1);
    expect((await world.register()).code).toBe(0);
    const query = await run("dpkg-query", "-W", STATUS, "amazon-ecs-init");
    expect(query).toMatchObject({ code: 0, stdout: "install ok installed" });
  });

  it("apt-get remove without -y aborts; with -y removes, and dpkg keeps the conffiles' status", async () => {
    expect((await world.register()).code).toBe(0);
    expect((await run("apt-get", "remove", "amazon-ecs-init")).code).toBe(1);
    expect(world.host.exists("/usr/libexec/amazon-ecs-init")).toBe(true);
    expect((await run("apt-get", "remove", "-y", "amazon-ecs-init")).code).toBe(0);
    expect(world.host.exists("/usr/libexec/amazon-ecs-init")).toBe(false);
    expect(world.host.unitState("ecs")).toMatchObject({ active: false, enabled: false });
    const query = await run("dpkg-query", "-W", STATUS, "amazon-ecs-init");
    expect(query).toMatchObject({ code: 0, stdout: "deinstall ok config-files" });
    expect((await run("apt-get", "remove", "-y", "amazon-ecs-init")).stdout).toContain("is not installed");
  });

  it("exist only on their family of distributions", async () => {
    expect((await run("dnf", "remove", "-y", "amazon-ecs-init")).code).toBe(127);
    expect((await run("rpm", "-q", "amazon-ecs-init")).code).toBe(127);
    world.host.writeFile("/etc/os-release", 'ID="rocky"\nID_LIKE="rhel centos fedora"\n');
    expect((await run("apt-get", "remove", "-y", "amazon-ecs-init")).code).toBe(127);
    expect(await run("rpm", "-q", "amazon-ecs-init")).toMatchObject({
      code: 1,
      stdout: "package amazon-ecs-init is not installed\n",
    });
  });
});
