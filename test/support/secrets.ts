import { expect } from "vitest";
import type { CliResult } from "./cli.ts";

/** A CLI run kept for a secrets scan, named for the failure messages. */
export interface NamedRun {
  name: string;
  result: CliResult;
}

/** Asserts that no run printed any of `secrets`, on stdout or on stderr. */
export function expectNotPrinted(runs: NamedRun[], secrets: string[]): void {
  for (const { name, result } of runs) {
    for (const secret of secrets) {
      expect(result.stdout, `${name}: stdout`).not.toContain(secret);
      expect(result.stderr, `${name}: stderr`).not.toContain(secret);
    }
  }
}

/** Asserts that none of `files` (e.g. filesUnder(ROOT)) contains any of `secrets`. */
export function expectNotWritten(files: { path: string; content: string }[], secrets: string[]): void {
  for (const { path, content } of files) {
    for (const secret of secrets) expect(content, path).not.toContain(secret);
  }
}
