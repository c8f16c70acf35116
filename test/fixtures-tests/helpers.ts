import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { INTROSPECTION_FILE, type IntrospectionState } from "../fixtures/introspection.ts";

/** Test helper (not a test): writes (or with undefined removes) ROOT/.fake/introspection.json atomically. */
export function writeState(root: string, state: IntrospectionState | undefined): void {
  const file = join(root, INTROSPECTION_FILE);
  if (state === undefined) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}
