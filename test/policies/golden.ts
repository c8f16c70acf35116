import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "golden", "policies");

/** Compares `value` with test/golden/policies/<name>.json; UPDATE_GOLDEN=1 rewrites the file instead. */
export function expectGolden(name: string, value: unknown): void {
  const file = join(GOLDEN_DIR, `${name}.json`);
  const actual = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual, `golden file ${file} (run with UPDATE_GOLDEN=1 to rewrite)`).toBe(
    readFileSync(file, "utf8"),
  );
}
