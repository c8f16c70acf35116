// Bundles the CLI into ONE ESM file with a node shebang: dist/ecs-anywhere-agent.mjs.
//
// Start-up cost. V8 compiles (at least pre-parses) every function of an ES module before it evaluates any of
// it, so code that --version never runs still costs start-up time: ~80 ms for the 1.6 MB a plain bundle
// weighs with the AWS SDK, zod, yaml, pino and execa in it. Code that is only needed by commands is
// therefore shipped as CommonJS "chunks" embedded as string literals (a string is scanned, not parsed) and
// compiled with `new Function` the first time a command needs it:
//
//   - the outer bundle: src/bin.ts and what it imports statically (the "eager graph": cli/main.ts,
//     commander, errors.ts, ...). Every module that eager code only reaches through a dynamic import()
//     (the command modules, cli/context.ts) is replaced by a stub that loads the commands chunk;
//   - the commands chunk: those modules and everything they need (config, zod, yaml, pino, execa, ...).
//     It does not contain the AWS adapter: src/adapters/aws/clients.ts is replaced by a stub whose
//     createAwsPorts() loads the AWS chunk;
//   - the AWS chunk (inside the commands chunk): clients.ts, the iam/ssm/ecs/sts ports and the AWS SDK.
//
// So --version compiles only the eager graph, `config validate` also the commands chunk, and `setup` all three.
//
// One copy of every agent module. A chunk never bundles its own copy of an agent module (src/) that its host
// already holds: such imports resolve to a shim that re-exports the host's module, so classes (AwsCallError,
// OperationError, UsageError are checked with instanceof by cli/main.ts) and module state stay shared. The
// host passes those modules in as a parameter of the chunk's function (`__ecsaHost`), not through a global.
import { chmod } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = resolve(root, "src");
const binEntry = resolve(srcDir, "bin.ts");
const awsEntry = resolve(srcDir, "adapters/aws/clients.ts");
const awsDir = dirname(awsEntry);
const outfile = resolve(root, "dist/ecs-anywhere-agent.mjs");

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20.19",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
};
/** Re-enters esbuild's own resolution from inside an onResolve hook without looping. */
const SKIP = "ecsaSkip";
const isAgentSource = (path) => path.startsWith(srcDir + sep) && /\.[cm]?tsx?$/.test(path);
const keyOf = (path) => relative(root, path).split(sep).join("/");
/** Resolves an import the way esbuild would without this plugin; undefined on a re-entered resolution. */
function resolveAgain(pluginBuild, args) {
  if (args.pluginData?.[SKIP]) return undefined;
  return pluginBuild.resolve(args.path, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    pluginData: { [SKIP]: true },
  });
}

/** Export names of every agent module, from esbuild's metafile (for the stubs and shims, which need them). */
async function agentExportNames(entries) {
  const result = await build({
    ...common,
    entryPoints: entries,
    packages: "external",
    format: "esm",
    write: false,
    outdir: resolve(root, "dist/.exports"),
    outbase: srcDir,
    minify: false,
    metafile: true,
    logLevel: "silent",
  });
  const names = new Map();
  for (const output of Object.values(result.metafile.outputs)) {
    if (output.entryPoint) names.set(resolve(root, output.entryPoint), output.exports);
  }
  return names;
}

/** ESM text that re-exports the values of `source` (an expression) under the module's export names. */
function reexport(source, names) {
  const lines = [`const __ecsaM = ${source};`];
  names.forEach((name, i) => {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`cannot re-export ${JSON.stringify(name)}`);
    lines.push(`const __ecsaE${i} = __ecsaM.${name};`, `export { __ecsaE${i} as ${name} };`);
  });
  return lines.join("\n");
}

/** Resolves imports of agent modules for which `provided(path)` holds to shims of the host's modules. */
function hostShims(provided, used) {
  return {
    name: "host-shims",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^(\.\.?\/|\/)/ }, async (args) => {
        // Packages never import agent modules: skip the second resolution for their (many) imports.
        if (args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
        const resolved = await resolveAgain(pluginBuild, args);
        if (
          resolved === undefined ||
          resolved.errors.length > 0 ||
          resolved.namespace !== "file" ||
          !provided(resolved.path)
        ) {
          return undefined;
        }
        used.add(resolved.path);
        return { path: resolved.path, namespace: "ecsa-host" };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: "ecsa-host" }, async (args) => {
        const names = await exportNamesOf(args.path);
        if (names === undefined) throw new Error(`no export names for ${keyOf(args.path)}`);
        return { contents: reexport(`__ecsaHost[${JSON.stringify(keyOf(args.path))}]`, names), loader: "js" };
      });
    },
  };
}

/**
 * Builds `entries` as a CommonJS chunk: `module.exports = { m0, m1, ... }`, one module namespace per entry.
 * Agent modules for which `provided` holds come from the host. Returns the code and the host modules it uses.
 */
async function buildChunk({ name, entries, provided, plugins = [] }) {
  const used = new Set();
  const result = await build({
    ...common,
    stdin: {
      contents: entries.map((entry, i) => `export * as m${i} from ${JSON.stringify(entry)};`).join("\n"),
      resolveDir: root,
      sourcefile: `${name}-chunk-entry.js`,
      loader: "js",
    },
    format: "cjs",
    write: false,
    outfile: resolve(root, `dist/${name}-chunk.cjs`),
    define: { "import.meta.url": "__ecsaImportMetaUrl" },
    metafile: true,
    plugins: [hostShims(provided, used), ...plugins],
  });
  const importMeta = result.warnings.filter((warning) => warning.text.includes("import.meta"));
  if (importMeta.length > 0) throw new Error(`the ${name} chunk uses import.meta beyond import.meta.url`);
  // An eager package bundled again into a chunk is a second copy (its classes fail instanceof across the two).
  const duplicated = Object.keys(result.metafile.inputs).filter(
    (input) => input.includes("node_modules/") && eagerInputs.has(resolve(root, input)),
  );
  if (duplicated.length > 0) {
    console.warn(`build: the ${name} chunk holds a second copy of: ${duplicated.join(", ")}`);
  }
  // sourceURL names the chunk in stack traces: "at f (ecs-anywhere-agent:aws-chunk.js:1:2345)".
  const code = `${result.outputFiles[0].text}//# sourceURL=ecs-anywhere-agent:${name}-chunk.js\n`;
  return { code, used: [...used].sort() };
}

/** An ESM module exporting load(): evaluates the chunk once and returns its exports ({ m0, m1, ... }). */
function chunkLoader({ code, used }) {
  const imports = used.map((path, i) => `import * as __ecsaH${i} from ${JSON.stringify(path)};`);
  const host = used.map((path, i) => `${JSON.stringify(keyOf(path))}: __ecsaH${i}`);
  return `
import { createRequire } from "node:module";
${imports.join("\n")}

const CODE = ${JSON.stringify(code)};
let loaded;

export function load() {
  if (loaded === undefined) {
    const module = { exports: {} };
    const evaluate = new Function("require", "module", "exports", "__ecsaHost", "__ecsaImportMetaUrl", CODE);
    evaluate(createRequire(import.meta.url), module, module.exports, { ${host.join(", ")} }, import.meta.url);
    loaded = module.exports;
  }
  return loaded;
}
`;
}

/** Serves virtual loader modules ("ecsa-loader:<name>") and stubs (path -> source) to a build. */
function virtualModules({ loaders = {}, stubs = new Map(), dynamicStubsOnly = false }) {
  return {
    name: "virtual-modules",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^ecsa-loader:/ }, (args) => ({
        path: args.path.slice("ecsa-loader:".length),
        namespace: "ecsa-loader",
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace: "ecsa-loader" }, (args) => ({
        contents: loaders[args.path],
        loader: "js",
        resolveDir: root,
      }));
      if (dynamicStubsOnly) {
        // Stubs replace modules reached through import() only; a static import keeps the real module.
        pluginBuild.onResolve({ filter: /^(\.\.?\/|\/)/ }, async (args) => {
          if (args.kind !== "dynamic-import") return undefined;
          const resolved = await resolveAgain(pluginBuild, args);
          return resolved !== undefined && stubs.has(resolved.path)
            ? { path: resolved.path, namespace: "ecsa-stub" }
            : undefined;
        });
        pluginBuild.onLoad({ filter: /.*/, namespace: "ecsa-stub" }, (args) => ({
          contents: stubs.get(args.path),
          loader: "js",
          resolveDir: root,
        }));
      } else {
        pluginBuild.onLoad({ filter: /\.ts$/, namespace: "file" }, (args) =>
          stubs.has(args.path)
            ? { contents: stubs.get(args.path), loader: "js", resolveDir: root }
            : undefined,
        );
      }
    },
  };
}

// 1. The eager graph: bundle bin.ts with every dynamic import() of an agent module left out.
const lazyTargets = new Set();
const eagerBuild = await build({
  ...common,
  entryPoints: [binEntry],
  format: "esm",
  write: false,
  outfile,
  metafile: true,
  logLevel: "silent",
  plugins: [
    {
      name: "find-lazy-modules",
      setup(pluginBuild) {
        pluginBuild.onResolve({ filter: /^(\.\.?\/|\/)/ }, async (args) => {
          if (args.kind !== "dynamic-import") return undefined;
          const resolved = await resolveAgain(pluginBuild, args);
          if (resolved === undefined || resolved.errors.length > 0 || !isAgentSource(resolved.path))
            return undefined;
          lazyTargets.add(resolved.path);
          return { path: resolved.path, external: true };
        });
      },
    },
  ],
});
const eagerInputs = new Set(Object.keys(eagerBuild.metafile.inputs).map((input) => resolve(root, input)));
// A module imported both statically and dynamically by eager code is eager: it stays in the outer bundle.
const lazyEntries = [...lazyTargets].filter((path) => !eagerInputs.has(path)).sort();

const exportNames = await agentExportNames([...eagerInputs, ...lazyEntries, awsEntry].filter(isAgentSource));
/** Export names of an agent module (one more esbuild run for a module not seen yet). */
async function exportNamesOf(path) {
  if (!exportNames.has(path)) exportNames.set(path, (await agentExportNames([path])).get(path));
  return exportNames.get(path);
}

// 2. The AWS chunk. Agent modules outside src/adapters/aws (today only src/errors.ts) come from its host.
const awsExports = exportNames.get(awsEntry);
if (JSON.stringify(awsExports) !== JSON.stringify(["createAwsPorts"])) {
  throw new Error(`${keyOf(awsEntry)} exports ${awsExports}; update the AWS stub in scripts/build.mjs`);
}
const awsChunk = await buildChunk({
  name: "aws",
  entries: [awsEntry],
  provided: (path) => isAgentSource(path) && !path.startsWith(awsDir + sep),
});
// createAwsPorts is async: the chunk is compiled on its first call, not when shared.ts is loaded.
const awsStub = `
import { load } from "ecsa-loader:aws";
export async function createAwsPorts(settings) {
  return load().m0.createAwsPorts(settings);
}
`;
const awsVirtual = { loaders: { aws: chunkLoader(awsChunk) }, stubs: new Map([[awsEntry, awsStub]]) };

// 3. The commands chunk: the lazily imported modules, with the eager graph's agent modules from the outer bundle.
const loaders = { ...awsVirtual.loaders };
const lazyStubs = new Map();
if (lazyEntries.length > 0) {
  const commandsChunk = await buildChunk({
    name: "commands",
    entries: lazyEntries,
    provided: (path) => isAgentSource(path) && eagerInputs.has(path),
    plugins: [virtualModules(awsVirtual)],
  });
  loaders.commands = chunkLoader(commandsChunk);
  lazyEntries.forEach((entry, i) => {
    lazyStubs.set(
      entry,
      `import { load } from "ecsa-loader:commands";\n${reexport(`load().m${i}`, exportNames.get(entry))}\n`,
    );
  });
}

// 4. The outer bundle.
await build({
  ...common,
  entryPoints: [binEntry],
  outfile,
  format: "esm",
  banner: {
    js: [
      "#!/usr/bin/env node",
      // Bundled CommonJS dependencies call require(); give them one.
      'import { createRequire as __ecsaCreateRequire } from "node:module";',
      "const require = __ecsaCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  plugins: [
    virtualModules({ loaders, stubs: lazyStubs, dynamicStubsOnly: true }),
    // Should clients.ts ever become eager, it is still replaced by the AWS chunk's stub.
    virtualModules(awsVirtual),
  ],
});
await chmod(outfile, 0o755);
