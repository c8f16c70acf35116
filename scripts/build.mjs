// Bundles the CLI into one ESM file with a node shebang. The AWS SDK ends up in the same file but is
// only evaluated by the commands that import it lazily (see src/adapters/aws/clients.ts).
import { chmod } from "node:fs/promises";
import { build } from "esbuild";

const outfile = "dist/ecs-anywhere-agent.mjs";
await build({
  entryPoints: ["src/bin.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  minify: true,
  legalComments: "none",
  banner: {
    js: [
      "#!/usr/bin/env node",
      // Bundled CommonJS dependencies call require(); give them one.
      'import { createRequire as __ecsaCreateRequire } from "node:module";',
      "const require = __ecsaCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  logLevel: "warning",
});
await chmod(outfile, 0o755);
