// How the CLI is bundled: the esbuild options and plugins of scripts/bundle.mjs, which builds dist/ (scripts/build.mjs)
// and bench/daemon.ts's daemon soak (the daemon measured as it ships). Entry points and output folder are its own.
import { builtinModules } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const builtin = new RegExp(
  `^(node:)?(${builtinModules.map((name) => name.replace(/[/]/g, "\\/")).join("|")})$`,
);

/**
 * Built-in modules that ES modules import (the agent's sources, execa) come from process.getBuiltinModule(), as
 * require() gives them (the chunks end up CommonJS, where Node builds no facade anyway; the entry is an ES module).
 * An `import` of a built-in makes Node build its ES module facade, which reads every export, the lazy ones too: on
 * Node 22, `import { createServer } from "node:http"` reads http.WebSocket and so loads
 * undici, node:tls, node:crypto (OpenSSL), node:http2 and node:zlib, 10.7 MB of resident memory for a daemon that
 * uses none of them; node:process, node:util and node:fs add 2-4 MB each (field notes §9.9).
 * test/build/bundle.test.ts checks the daemon loads none of them.
 */
const builtinsWithoutFacade = {
  name: "builtins-without-esm-facade",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: builtin }, (args) =>
      args.kind === "import-statement" || args.kind === "dynamic-import"
        ? { path: args.path.startsWith("node:") ? args.path : `node:${args.path}`, namespace: "builtin" }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

/**
 * Modules whose code runs on first use rather than when the chunk requiring them loads: the importer gets a
 * stand-in that loads the module (a bundled package through esbuild's require wrapper, so still bundled; a
 * built-in through require) when it is called, constructed or a property is read. Only a default import (or a
 * require) is supported: a named import would read the stand-in's own keys, not the module's.
 * - pino: src/util/logger.ts makes its logger on the first line at an enabled level, and loading pino (its code,
 *   node:worker_threads and node:assert) is a fifth of a bare node's start-up, which most runs of a one-shot command
 *   never need (field notes §9.10). test/build/bundle.test.ts checks `status` runs without it.
 * - node:child_process, for commander, which requires it when it loads for executable subcommands (this CLI has
 *   none); loading it (and node:net, node:stream behind it) is about a tenth of `node -e 0`.
 */
const DEFERRED = [
  { module: /^pino$/, importer: /./ },
  { module: /^(node:)?child_process$/, importer: /[\\/]node_modules[\\/]commander[\\/]/ },
];
const deferred = {
  name: "deferred-modules",
  setup(pluginBuild) {
    for (const { module, importer } of DEFERRED) {
      pluginBuild.onResolve({ filter: module }, (args) =>
        args.namespace === "deferred" || !importer.test(args.importer)
          ? undefined
          : { path: args.path, namespace: "deferred" },
      );
    }
    pluginBuild.onLoad({ filter: /.*/, namespace: "deferred" }, (args) => ({
      // __esModule is read by esbuild's interop when the stand-in is imported: answered without loading.
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy(function () {}, {
  apply: (_, self, args) => Reflect.apply(load(), self, args),
  construct: (_, args) => Reflect.construct(load(), args),
  get: (_, key) => (key === "__esModule" ? undefined : load()[key]),
});`,
      resolveDir: root,
      loader: "js",
    }));
  },
};

/**
 * The ES module build of yaml (its package's "browser" build: the same parser, without the CommonJS wrappers, whose
 * functions V8 parses twice; its warnings go to console.warn rather than process.emitWarning, and a !!binary value
 * becomes a Uint8Array rather than a Buffer). The config is parsed and printed with logLevel "error", so neither
 * build warns. Loading yaml this way costs half as much (field notes §9.10).
 */
const yamlAsEsm = {
  name: "yaml-as-esm",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^yaml$/ }, () => ({
      path: resolve(root, "node_modules/yaml/browser/dist/index.js"),
    }));
  },
};

/** What the chunks' build and the entry's share: one runtime, minified, warnings shown. */
const COMMON = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
};

/**
 * The options of the chunks' build (scripts/bundle.mjs): ES modules split at the sources' dynamic import()s,
 * written as .cjs, which bundle.mjs then turns into CommonJS one file at a time.
 * @type {import("esbuild").BuildOptions}
 */
export const BUNDLE_OPTIONS = {
  ...COMMON,
  entryNames: "chunks/[name]-[hash]",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".cjs" },
  // The AWS SDK ships CommonJS as "main" and ESM as "module". A dynamic import() of a CommonJS chunk would
  // only have a default export (esbuild cannot split CommonJS named exports); ESM keeps the named ones.
  mainFields: ["module", "main"],
  splitting: true,
  plugins: [deferred, builtinsWithoutFacade, yamlAsEsm],
  // Bundled CommonJS packages (commander, pino, execa's cross-spawn) require() Node built-ins: esbuild's require
  // shim calls the `require` each chunk gets from the loader (src/boot/loader.ts), which gives built-ins only.
};

/**
 * The options of the entry's build: one ES module, the loader and the code cache (src/boot/).
 * @type {import("esbuild").BuildOptions}
 */
export const ENTRY_OPTIONS = { ...COMMON, plugins: [builtinsWithoutFacade] };
