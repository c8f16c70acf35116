import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { desiredEcsConfig } from "../../src/ecsconfig/desired.ts";
import { mergeEcsConfig } from "../../src/ecsconfig/merge.ts";
import { expectGolden } from "../support/golden.ts";

/**
 * Each case is `<name>.input.txt` (an existing /etc/ecs/ecs.config) merged with the same desired keys;
 * `<name>.expected.txt` is the file the agent writes and `<name>.changes.txt` the reasons it reports.
 * Regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
const GOLDEN = new URL("../golden/ecsconfig/", import.meta.url);
const cases = readdirSync(GOLDEN)
  .filter((name) => name.endsWith(".input.txt"))
  .map((name) => name.replace(/\.input\.txt$/, ""))
  .sort();

const desired = desiredEcsConfig({
  cluster: "prod",
  region: "eu-west-1",
  logLevel: "info",
  instanceTags: { team: "payments", env: "prod" },
});

describe("mergeEcsConfig golden files", () => {
  it("has cases to check", () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)("%s", (name) => {
    const input = readFileSync(new URL(`${name}.input.txt`, GOLDEN), "utf8");
    const merged = mergeEcsConfig(input, desired);
    expectGolden(`ecsconfig/${name}.expected.txt`, merged.text);
    expectGolden(`ecsconfig/${name}.changes.txt`, merged.changes.map((change) => `${change}\n`).join(""));
    // Merging the result again changes nothing: the agent converges in one pass.
    expect(mergeEcsConfig(merged.text, desired)).toEqual({ text: merged.text, changes: [] });
  });
});
