import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { nodeOf, PRODUCTION_NODE, UNIT_ENV } from "../../bench/unit-env.ts";
import { MemoryTrim, type ProcessMemory } from "../../src/daemon/memory-trim.ts";

const MB = 1024 * 1024;

/** A process whose resident memory the test sets; a collection brings it to `afterCollect`. */
function fakeMemory(start: number) {
  const state = { rss: start, afterCollect: start, collections: 0 };
  const memory: ProcessMemory = {
    rss: () => state.rss,
    collect: () => {
      state.collections += 1;
      state.rss = state.afterCollect;
    },
  };
  return { state, memory };
}

describe("MemoryTrim (field notes §9.8)", () => {
  it("collects once resident memory has grown by the threshold since the first pass, and not before", () => {
    const { state, memory } = fakeMemory(60 * MB);
    const trim = new MemoryTrim(memory, 2 * MB);
    expect(trim.afterPass()).toBeUndefined(); // the reference
    state.rss = 61.9 * MB;
    expect(trim.afterPass()).toBeUndefined();
    state.rss = 62 * MB;
    state.afterCollect = 60.5 * MB;
    expect(trim.afterPass()).toEqual({ beforeBytes: 62 * MB, afterBytes: 60.5 * MB });
    expect(state.collections).toBe(1);
  });

  it("takes the level after a trim as the new reference: growth a collection cannot give back trims once", () => {
    const { state, memory } = fakeMemory(60 * MB);
    const trim = new MemoryTrim(memory, 2 * MB);
    trim.afterPass();
    state.rss = 70 * MB;
    state.afterCollect = 70 * MB; // code, a library loaded late: nothing to give back
    expect(trim.afterPass()).toBeDefined();
    for (let pass = 0; pass < 100; pass++) trim.afterPass();
    expect(state.collections).toBe(1);
    state.rss = 72 * MB;
    expect(trim.afterPass()).toBeDefined();
    expect(state.collections).toBe(2);
  });

  it("follows resident memory down, so the next trim is measured from the lowest level seen", () => {
    const { state, memory } = fakeMemory(60 * MB);
    const trim = new MemoryTrim(memory, 2 * MB);
    trim.afterPass();
    state.rss = 55 * MB;
    trim.afterPass();
    state.rss = 57 * MB;
    expect(trim.afterPass()).toBeDefined();
  });

  it("does nothing without a collection (node without --expose-gc)", () => {
    const trim = new MemoryTrim({ rss: () => 500 * MB }, 1);
    expect(trim.afterPass()).toBeUndefined();
    expect(trim.afterPass()).toBeUndefined();
  });

  // The runtime production uses, in the unit's environment (its NODE_OPTIONS), the trim as the daemon builds it: a
  // burst leaves freed pages resident after plain full collections (V8 12.4's page pool); the trim gives them back.
  it("on Node 22, gives back the heap pages plain collections leave resident after a burst", () => {
    const node22 = nodeOf(PRODUCTION_NODE);
    const script = `
      import { MemoryTrim, processMemory } from "./src/daemon/memory-trim.ts";
      const trim = new MemoryTrim(processMemory());
      trim.afterPass();
      let burst = [];
      for (let i = 0; i < 400000; i++) burst.push({ i, text: "x".repeat(40 + (i % 7)) });
      burst = undefined;
      gc(); gc();
      const kept = process.memoryUsage.rss();
      const trimmed = trim.afterPass();
      process.stdout.write(JSON.stringify({ kept, trimmed }));
    `;
    const out = execFileSync(node22, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, ...UNIT_ENV },
    });
    const result = JSON.parse(out) as {
      kept: number;
      trimmed?: { beforeBytes: number; afterBytes: number };
    };
    expect(result.trimmed).toBeDefined();
    expect(result.trimmed?.beforeBytes).toBe(result.kept);
    // The burst's objects took about 30 MB; plain collections kept the pages, the trim unmapped most of them.
    expect((result.trimmed?.beforeBytes ?? 0) - (result.trimmed?.afterBytes ?? 0)).toBeGreaterThan(15 * MB);
  }, 120_000); // scripts/node-runtime.sh installs Node 22 from the registry on first use
});
