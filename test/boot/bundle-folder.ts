// A bundle's folder for the boot tests: chunks (name -> code) under chunks/ of a new temporary folder.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function bundleFolder(chunks: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "ecsa-boot-"));
  mkdirSync(join(root, "chunks"));
  for (const [name, code] of Object.entries(chunks)) writeFileSync(join(root, "chunks", name), code);
  return root;
}
