import { statSync } from "node:fs";
import { join, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { type CacheEntry, checksum } from "../../src/boot/cache-format.ts";
import { createChunkLoader } from "../../src/boot/loader.ts";
import { bundleFolder } from "./bundle-folder.ts";

describe("the chunk loader", () => {
  it("runs a chunk once with Node's CommonJS bindings, its chunks by relative path and built-ins by name", () => {
    const root = bundleFolder({
      "main.cjs":
        'const b = require("./b.cjs"); const again = require("./b.cjs"); const path = require("node:path");' +
        "module.exports = { value: b.value + 1, same: b === again, sep: path.sep, file: __filename, dir: __dirname," +
        " self: this === exports, runs: b.runs() };",
      "b.cjs": "let runs = 0; runs++; exports.value = 41; exports.runs = () => runs;",
    });
    const loader = createChunkLoader(root, new Map());
    const main = join(root, "chunks", "main.cjs");
    const exports = loader.load(main);
    expect(exports).toEqual({
      value: 42,
      same: true,
      sep,
      file: main,
      dir: join(root, "chunks"),
      self: true,
      runs: 1,
    });
    expect(loader.load(main)).toBe(exports);
    expect(loader.loaded.map((chunk) => [chunk.name, chunk.fromCache])).toEqual([
      [join("chunks", "main.cjs"), false],
      [join("chunks", "b.cjs"), false],
    ]);
    expect(loader.loaded[0]?.stats.size).toBe(statSync(main).size);
  });

  it("refuses a package name, a path out of the bundle and a file that is no chunk, naming it", () => {
    const root = bundleFolder({
      "package.cjs": 'require("left-pad");',
      "escape.cjs": 'require("../../outside.cjs");',
      "other.cjs": 'require("./data.json");',
      "data.json": "{}",
    });
    const loader = createChunkLoader(root, new Map());
    expect(() => loader.load(join(root, "chunks", "package.cjs"))).toThrow(
      'the bundle requires "left-pad", which it does not hold: reinstall the agent',
    );
    expect(() => loader.load(join(root, "chunks", "escape.cjs"))).toThrow(
      /outside\.cjs, which is not one of its chunks/,
    );
    expect(() => loader.load(join(root, "chunks", "other.cjs"))).toThrow(
      /data\.json, which is not one of its chunks/,
    );
  });

  it("runs chunks in strict mode, as the ES modules they were built from", () => {
    const root = bundleFolder({
      "main.cjs": "undeclared = 1;",
      "this.cjs": "module.exports = (function () { return this; })();",
    });
    const loader = createChunkLoader(root, new Map());
    expect(() => loader.load(join(root, "chunks", "main.cjs"))).toThrow(ReferenceError);
    expect(loader.load(join(root, "chunks", "this.cjs"))).toBeUndefined();
  });

  it("loads a chunk that failed to load again when it is required again, instead of handing out its half", () => {
    const root = bundleFolder({
      "main.cjs":
        'exports.first = () => require("./flaky.cjs"); exports.again = () => require("./flaky.cjs");',
      "flaky.cjs":
        'globalThis.flakyRuns = (globalThis.flakyRuns ?? 0) + 1; if (globalThis.flakyRuns === 1) throw new Error("EMFILE"); exports.ok = true;',
    });
    const loader = createChunkLoader(root, new Map());
    const main = loader.load(join(root, "chunks", "main.cjs")) as Record<string, () => unknown>;
    try {
      expect(() => main.first?.()).toThrow("EMFILE");
      expect(main.again?.()).toEqual({ ok: true });
    } finally {
      delete (globalThis as { flakyRuns?: number }).flakyRuns;
    }
  });

  it("reports line and column of the chunk's own code in a stack trace", () => {
    const root = bundleFolder({ "main.cjs": 'throw new Error("here");\n' });
    const loader = createChunkLoader(root, new Map());
    expect(() => loader.load(join(root, "chunks", "main.cjs"))).toThrow(
      expect.objectContaining({ stack: expect.stringContaining(`${join(root, "chunks", "main.cjs")}:1:7`) }),
    );
  });

  it("offers the cache's data only for the very file it was made from; data V8 refuses leaves the chunk compiled", () => {
    const root = bundleFolder({ "main.cjs": "module.exports = 6 * 7;" });
    const main = join(root, "chunks", "main.cjs");
    const { size, mtimeMs, ctimeMs, ino } = statSync(main);
    const garbage = (identity: Partial<CacheEntry>): Map<string, CacheEntry> =>
      new Map([
        [
          join("chunks", "main.cjs"),
          {
            size,
            mtimeMs,
            ctimeMs,
            ino,
            data: Buffer.alloc(64, 1),
            sum: checksum(Buffer.alloc(64, 1)),
            ...identity,
          },
        ],
      ]);
    // cachedDataRejected is set only when a script was given data: true when V8 refused it.
    const cases: [Map<string, CacheEntry>, boolean | undefined][] = [
      [garbage({}), true],
      [garbage({ ctimeMs: ctimeMs + 1 }), undefined],
      [garbage({ size: size + 1 }), undefined],
      [garbage({ sum: checksum(Buffer.alloc(64, 2)) }), undefined], // damaged since it was written
      [new Map(), undefined],
    ];
    for (const [cache, rejected] of cases) {
      const loader = createChunkLoader(root, cache);
      expect(loader.load(main)).toBe(42);
      expect(loader.loaded[0]?.fromCache).toBe(false);
      expect(loader.loaded[0]?.script.cachedDataRejected).toBe(rejected);
    }
  });
});
