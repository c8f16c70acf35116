// Preloaded with --import: records every chunk the bundle's loader (src/boot/loader.ts) opens, one absolute path
// a line, into $TRACE_CHUNKS_FILE. The loader opens each chunk once, with fs.openSync, when it loads it.
const fs = process.getBuiltinModule("node:fs");
const open = fs.openSync;
const file = process.env.TRACE_CHUNKS_FILE;
fs.openSync = function openSync(path, ...rest) {
  if (file && typeof path === "string" && path.endsWith(".cjs")) fs.appendFileSync(file, `${path}\n`);
  return open.call(this, path, ...rest);
};
