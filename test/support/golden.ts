import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const GOLDEN_ROOT = fileURLToPath(new URL("../golden/", import.meta.url));

/**
 * Compares `actual` with the golden file test/golden/<file>; UPDATE_GOLDEN=1 rewrites the file instead (review
 * the diff before committing it).
 */
export function expectGolden(file: string, actual: string): void {
  const path = join(GOLDEN_ROOT, file);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(actual, `golden file ${path} (run with UPDATE_GOLDEN=1 to rewrite)`).toBe(
    readFileSync(path, "utf8"),
  );
}

/** expectGolden for a JSON value, as JSON.stringify(value, null, 2) plus a final newline. */
export function expectGoldenJson(file: string, value: unknown): void {
  expectGolden(file, `${JSON.stringify(value, null, 2)}\n`);
}
