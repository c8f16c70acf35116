// How the CLI is bundled: the esbuild options scripts/build.mjs builds dist/ with, and bench/daemon.ts its daemon
// soak (the daemon measured as it ships). Entry points and output folder are the caller's.
import { builtinModules } from "node:module";

/**
 * commander requires node:child_process when it loads, for executable subcommands (this CLI has none); loading
 * it (and node:net, node:stream behind it) is about a tenth of `node -e 0`. Commander gets it on first use.
 */
const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: "child_process", namespace: "lazy-builtin" }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, () => ({
      contents:
        'let m; module.exports = new Proxy({}, { get: (_, key) => (m ??= require("node:child_process"))[key] });',
      loader: "js",
    }));
  },
};

const builtin = new RegExp(
  `^(node:)?(${builtinModules.map((name) => name.replace(/[/]/g, "\\/")).join("|")})$`,
);

/**
 * Built-in modules that ES modules import (the agent's sources, execa) come from process.getBuiltinModule(), as
 * require() gives them. An `import` of a built-in makes Node build its ES module facade, which reads every export,
 * the lazy ones too: on Node 22, `import { createServer } from "node:http"` reads http.WebSocket and so loads
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

/** @type {import("esbuild").BuildOptions} */
export const BUNDLE_OPTIONS = {
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  // .mjs everywhere: a copy of dist/ runs as ESM without a package.json saying "type": "module".
  outExtension: { ".js": ".mjs" },
  // The AWS SDK ships CommonJS as "main" and ESM as "module". A dynamic import() of a CommonJS chunk would
  // only have a default export (esbuild cannot split CommonJS named exports); ESM keeps the named ones.
  mainFields: ["module", "main"],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  plugins: [lazyChildProcessForCommander, builtinsWithoutFacade],
  banner: {
    // Bundled CommonJS packages (commander, pino, execa's cross-spawn) require() Node built-ins, and in ESM
    // output esbuild's require shim needs a real require. Every file gets one (esbuild picks the chunk that
    // holds the shim), from process.getBuiltinModule, for the reason above.
    js: 'const require=process.getBuiltinModule("node:module").createRequire(import.meta.url);',
  },
};
