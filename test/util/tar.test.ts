import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tarGz } from "../../src/util/tar.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function archive(entries: Parameters<typeof tarGz>[0]): string {
  dir = mkdtempSync(join(tmpdir(), "tar-test-"));
  const file = join(dir, "a.tar.gz");
  writeFileSync(file, tarGz(entries));
  return file;
}

describe("tarGz", () => {
  const mtime = new Date("2026-12-01T10:30:00Z");

  it("writes an archive the system tar lists and extracts byte for byte, each file 0600", () => {
    const binary = Buffer.from([0, 1, 2, 255, 10, 13]);
    const exact = Buffer.alloc(512, "x");
    const file = archive([
      { name: "b/MANIFEST.json", content: Buffer.from('{"a":1}\n'), mtime },
      { name: "b/empty.txt", content: Buffer.alloc(0), mtime },
      { name: "b/bin", content: binary, mtime },
      { name: "b/block", content: exact, mtime },
    ]);
    expect(execFileSync("tar", ["-tzf", file], { encoding: "utf8" })).toBe(
      "b/MANIFEST.json\nb/empty.txt\nb/bin\nb/block\n",
    );
    const verbose = execFileSync("tar", ["-tvzf", file], { encoding: "utf8" }).trim().split("\n");
    expect(verbose.every((line) => line.startsWith("-rw------- root/root"))).toBe(true);
    const out = join(dir as string, "x");
    execFileSync("mkdir", [out]);
    execFileSync("tar", ["-xzf", file, "-C", out]);
    expect(readFileSync(join(out, "b/MANIFEST.json"), "utf8")).toBe('{"a":1}\n');
    expect(readFileSync(join(out, "b/bin")).equals(binary)).toBe(true);
    expect(readFileSync(join(out, "b/block")).equals(exact)).toBe(true);
    expect(statSync(join(out, "b/empty.txt")).size).toBe(0);
    expect(statSync(join(out, "b/bin")).mtime.toISOString()).toBe(mtime.toISOString());
  });

  it("keeps names over 100 bytes whole through the ustar prefix", () => {
    const name = `${"folder-".repeat(12)}/systemd/snap.amazon-ssm-agent.amazon-ssm-agent.service.d/${"x".repeat(60)}.conf`;
    expect(Buffer.byteLength(name)).toBeGreaterThan(100);
    const file = archive([{ name, content: Buffer.from("[Service]\n"), mtime }]);
    expect(execFileSync("tar", ["-tzf", file], { encoding: "utf8" })).toBe(`${name}\n`);
  });

  it("refuses absolute names, .. and names ustar cannot hold", () => {
    for (const name of ["/etc/passwd", "a/../b", "", "x".repeat(101)]) {
      expect(() => tarGz([{ name, content: Buffer.alloc(0), mtime }]), name).toThrow(/tar: /);
    }
  });
});
