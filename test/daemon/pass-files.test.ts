import { describe, expect, it } from "vitest";
import type { Host } from "../../src/app/host-build.ts";
import { passFiles } from "../../src/daemon/context.ts";

/** A host whose file system answers every read with its path, and counts the reads. */
function countingHost() {
  const reads: string[] = [];
  const host = {
    host: {
      fs: {
        readText: async (path: string) => {
          reads.push(path);
          return `text of ${path}`;
        },
      },
    },
  } as unknown as Pick<Host, "host">;
  return { host, reads };
}

describe("a pass's shared file reads", () => {
  it("reads ecs.config and the drop-ins once however many probes ask, and again in the next pass", async () => {
    const { host, reads } = countingHost();
    const pass = passFiles(host);
    const [a, b] = await Promise.all([pass.ecsConfig(), pass.ecsConfig()]);
    expect(a).toBe("text of /etc/ecs/ecs.config");
    expect(b).toBe(a);
    expect(await pass.dropIns()).toBe(await pass.dropIns());
    expect(reads.filter((path) => path === "/etc/ecs/ecs.config")).toHaveLength(1);
    expect(reads).toHaveLength(1 + 3); // ecs.config, and the docker and two SSM agent drop-ins

    await passFiles(host).ecsConfig();
    expect(reads.filter((path) => path === "/etc/ecs/ecs.config")).toHaveLength(2);
  });
});
