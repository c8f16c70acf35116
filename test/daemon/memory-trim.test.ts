import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { nodeOf, PRODUCTION_NODE, THIS_NODE, UNIT_ENV } from "../../bench/unit-env.ts";
import { MemoryTrim, type ProcessMemory } from "../../src/daemon/memory-trim.ts";

const MB = 1024 * 1024;

/** A process whose resident memory the test sets; a collection brings it to `afterCollect`. */
function fakeMemory(start: number) {
  const state = { rss: start, afterCollect: start, collections: 0 };
  const memory: ProcessMemory = {
    rss: () => state.rss,
    collect: async () => {
      state.collections += 1;
      state.rss = state.afterCollect;
    },
  };
  return { state, memory };
}

describe("MemoryTrim (field notes §9.8)", () => {
  it("collects once resident memory has grown by the threshold since the first pass, and not before", async () => {
    const { state, memory } = fakeMemory(60 * MB);
    const trim = new MemoryTrim(memory, 2 * MB);
    expect(await trim.afterPass()).toBeUndefined(); // the reference
    state.rss = 61.9 * MB;
    expect(await trim.afterPass()).toBeUndefined();
    state.rss = 62 * MB;
    state.afterCollect = 60.5 * MB;
    expect(await trim.afterPass()).toEqual({ beforeBytes: 62 * MB, afterBytes: 60.5 * MB });
    expect(state.collections).toBe(1);
  });

  it("takes the level after a trim as the new reference: growth a collection cannot give back trims once", async () => {
    const { state, memory } = fakeMemory(60 * MB);
    const trim = new MemoryTrim(memory, 2 * MB);
    await trim.afterPass();
    state.rss = 70 * MB;
    state.afterCollect = 70 * MB; // code, a library loaded late: nothing to give back
    expect(await trim.afterPass()).toBeDefined();
    for (let pass = 0; pass < 100; pass++) await trim.afterPass();
    expect(state.collections).toBe(1);
    state.rss = 72 * MB;
    expect(await trim.afterPass()).toBeDefined();
    expect(state.collections).toBe(2);
  });

  it("follows resident memory down, so the next trim is measured from the lowest level seen", async () => {
    const { state, memory } = fakeMemory(60 * MB);
    const trim = new MemoryTrim(memory, 2 * MB);
    await trim.afterPass();
    state.rss = 55 * MB;
    await trim.afterPass();
    state.rss = 57 * MB;
    expect(await trim.afterPass()).toBeDefined();
  });

  it("does nothing without a collection (a node built without the inspector)", async () => {
    const trim = new MemoryTrim({ rss: () => 500 * MB }, 1);
    expect(await trim.afterPass()).toBeUndefined();
    expect(await trim.afterPass()).toBeUndefined();
  });

  it("runs one collection at a time: a pass that ends while one runs does not start another", async () => {
    let finish = () => {};
    let collections = 0;
    let rss = 60 * MB;
    const trim = new MemoryTrim(
      {
        rss: () => rss,
        collect: () => {
          collections += 1;
          return new Promise<void>((resolve) => {
            finish = resolve;
          });
        },
      },
      2 * MB,
    );
    await trim.afterPass();
    rss = 70 * MB;
    const first = trim.afterPass();
    expect(await trim.afterPass()).toBeUndefined();
    expect(collections).toBe(1);
    rss = 61 * MB;
    finish();
    expect(await first).toEqual({ beforeBytes: 70 * MB, afterBytes: 61 * MB });
    rss = 64 * MB;
    const next = trim.afterPass();
    finish();
    expect(await next).toBeDefined();
    expect(collections).toBe(2);
  });

  // Each runtime, in the unit's environment (its NODE_OPTIONS), with the trim as the daemon builds it. A heap left
  // sparse (a fifth of its old objects kept) stays resident after plain full collections: V8 11.3 (Node 20) does
  // not compact pages that full, V8 12.4 (Node 22) pools the pages it frees. The trim compacts and gives them back.
  for (const major of new Set([THIS_NODE, PRODUCTION_NODE])) {
    it(`on Node ${major}, gives back the heap pages plain collections leave resident`, async () => {
      const node = major === THIS_NODE ? process.execPath : nodeOf(major);
      const script = `
        import { MemoryTrim, processMemory } from "./src/daemon/memory-trim.ts";
        const trim = new MemoryTrim(processMemory());
        await trim.afterPass();
        let all = [];
        for (let i = 0; i < 400000; i++) all.push({ i, text: "x".repeat(40 + (i % 7)) });
        gc(); gc();
        const kept = all.filter((_, i) => i % 5 === 0);
        all = undefined;
        gc(); gc();
        const before = process.memoryUsage.rss();
        const trimmed = await trim.afterPass();
        process.stdout.write(JSON.stringify({ before, trimmed, kept: kept.length }));
      `;
      const out = execFileSync(
        node,
        ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script],
        {
          encoding: "utf8",
          env: { ...process.env, ...UNIT_ENV },
        },
      );
      const result = JSON.parse(out) as {
        before: number;
        trimmed?: { beforeBytes: number; afterBytes: number };
        kept: number;
      };
      expect(result.kept).toBe(80_000);
      expect(result.trimmed).toBeDefined();
      // The trim's own reading before it collects: V8's background threads (sweeping, unmapping) may move RSS a
      // little between the script's reading and that one.
      expect(Math.abs((result.trimmed?.beforeBytes ?? 0) - result.before)).toBeLessThan(4 * MB);
      // The objects took about 40 MB, a fifth of them live: plain collections kept the pages, the trim unmapped
      // most of them (about 60 MB on either runtime).
      expect((result.trimmed?.beforeBytes ?? 0) - (result.trimmed?.afterBytes ?? 0)).toBeGreaterThan(20 * MB);
    }, 120_000); // scripts/node-runtime.sh installs Node 22 from the registry on first use
  }
});
