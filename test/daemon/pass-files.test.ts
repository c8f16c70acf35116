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
  it("reads the drop-ins once however many probes ask, and again in the next pass", async () => {
    const { host, reads } = countingHost();
    const pass = passFiles(host);
    const [a, b] = await Promise.all([pass.dropIns(), pass.dropIns()]);
    expect(b).toBe(a);
    expect(reads).toHaveLength(3); // the docker and two SSM agent drop-ins
    expect(new Set(reads).size).toBe(3);

    await passFiles(host).dropIns();
    expect(reads).toHaveLength(6);
  });
});
