import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failureOf, startWorld, type World } from "./harness.ts";

/** The install log is named the same way (the real path, under --root) in success and failure. */

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("the install log's path", () => {
  it("is the path under --root both when the script succeeds and when it fails", async () => {
    const logPath = new RegExp(`${literal(world.host.root)}/var/log/ecs-anywhere-agent/install-\\S+\\.log`);
    const failed = await world.register([], { FAKE_INSTALL_EXIT: "1" });
    expect(failed.code).toBe(1);
    expect(failureOf(failed).fix).toMatch(new RegExp(`see ${logPath.source}`));

    const ok = await world.register();
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`log: ${logPath.source}`));
  });
});
