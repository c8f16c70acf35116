#!/usr/bin/env node
// The bundle's entry, dist/ecs-anywhere-agent.mjs (see scripts/build.mjs). It turns on Node's compile cache and
// only then loads the CLI, with import(): a module is compiled before any of its code runs, so only modules
// loaded after enableCompileCache() can come from the cache. Keep it tiny: it is compiled on every run.
//
// Built-ins come from process.getBuiltinModule(), not import: an imported built-in gets an ES module facade,
// which reads every export (node:fs's lazy ReadStream loads all of node:stream), on every run.

/**
 * Where this user's compile cache may live, or undefined for no cache. V8 runs a code cache as it finds it, so
 * a cache that another user can write lets them run code as this user, who is often root. Node's default,
 * os.tmpdir()/node-compile-cache, is shared by every user; so the cache is a per-user directory in os.tmpdir()
 * that must be a real directory (not a symlink), owned by this user, mode 0700, in a parent that no other user
 * can rename it out of (owned by this user or root, and sticky or writable by its owner only). Anything else
 * (someone else made the name first, an odd TMPDIR) means no cache, never a shared one.
 */
function privateCacheDirectory(): string | undefined {
  const { lstatSync, mkdirSync, statSync } = process.getBuiltinModule("node:fs");
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const parent = process.getBuiltinModule("node:os").tmpdir();
  const directory = process
    .getBuiltinModule("node:path")
    .join(parent, `ecs-anywhere-agent-${uid}-compile-cache`);
  try {
    const up = statSync(parent);
    const sharedParent = (up.mode & 0o022) !== 0 && (up.mode & 0o1000) === 0;
    if ((up.uid !== uid && up.uid !== 0) || sharedParent) return undefined;
    // If someone takes the name between lstat and mkdir, mkdir fails: no cache.
    if (lstatSync(directory, { throwIfNoEntry: false }) === undefined) mkdirSync(directory, { mode: 0o700 });
    const own = lstatSync(directory);
    return own.isDirectory() && own.uid === uid && (own.mode & 0o777) === 0o700 ? directory : undefined;
  } catch {
    return undefined;
  }
}

// Node < 22.1 has no compile cache. NODE_COMPILE_CACHE set: Node enabled the cache at start-up, in the directory
// the operator chose. NODE_DISABLE_COMPILE_CACHE set: the operator wants none.
const { enableCompileCache } = process.getBuiltinModule("node:module") as {
  enableCompileCache?: (directory: string) => unknown;
};
if (
  enableCompileCache !== undefined &&
  !process.env.NODE_COMPILE_CACHE &&
  !process.env.NODE_DISABLE_COMPILE_CACHE
) {
  const directory = privateCacheDirectory();
  if (directory !== undefined) enableCompileCache(directory);
}

await import("../src/bin.ts");
