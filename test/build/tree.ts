// What the install.sh tests share: scratch folders removed after the file's tests, and a tree's listing.
import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder that other users may enter (a source tree is run as another user too), removed afterwards. */
export function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  temps.push(dir);
  return dir;
}

/** The first 16 hex digits of the SHA-256 of `data`. */
export const hash = (data: Buffer) => createHash("sha256").update(data).digest("hex").slice(0, 16);

/** Every entry under `dir` as "path dir MODE", "path file MODE HASH" or "path link -> TARGET", sorted. */
export function listing(dir: string): string[] {
  const entries: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(join(dir, relative))) {
      const path = relative === "" ? name : `${relative}/${name}`;
      const stat = lstatSync(join(dir, path));
      const mode = (stat.mode & 0o7777).toString(8).padStart(4, "0");
      if (stat.isSymbolicLink()) entries.push(`${path} link -> ${readlinkSync(join(dir, path))}`);
      else if (stat.isDirectory()) {
        entries.push(`${path} dir ${mode}`);
        walk(path);
      } else entries.push(`${path} file ${mode} ${hash(readFileSync(join(dir, path)))}`);
    }
  };
  walk("");
  return entries.sort();
}
