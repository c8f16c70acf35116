import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { AGENT_STATE } from "../../src/components/agent-state/paths.ts";
import { DOCKER } from "../../src/components/docker/files.ts";
import { ECS_AGENT } from "../../src/components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../src/components/ssm-agent/files.ts";

const SRC = join(import.meta.dirname, "../../src");

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? sources(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return nested.flat().filter((file) => file.endsWith(".ts"));
}

/** Every string value of a component's constant: its paths, units, binaries and packages. */
function values(constant: object): string[] {
  return Object.values(constant).flatMap((value) =>
    typeof value === "string" ? [value] : typeof value === "object" ? values(value as object) : [],
  );
}

let code: Promise<Map<string, string>> | undefined;
/** Every source file under src/ without its comments, read once. */
function sourceCode(): Promise<Map<string, string>> {
  code ??= sources(SRC).then(async (files) => {
    const texts = await Promise.all(files.map((file) => readFile(file, "utf8")));
    const uncommented = texts.map((text) =>
      text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1"),
    );
    return new Map(files.map((file, i) => [relative(SRC, file), uncommented[i] ?? ""]));
  });
  return code;
}

/** The files under src/ whose code (not comments) holds `value` as a string literal or its start. */
async function filesNaming(value: string): Promise<string[]> {
  const escaped = value.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const literal = new RegExp(`["'\`]${escaped}(["'\`/]|$)`, "m");
  return [...(await sourceCode())].filter(([, text]) => literal.test(text)).map(([file]) => file);
}

describe("each component is the only module that names its host paths", () => {
  const owners = [
    ["components/ecs-agent/files.ts", ECS_AGENT],
    ["components/ssm-agent/files.ts", SSM_AGENT],
    ["components/docker/files.ts", DOCKER],
    ["components/agent-state/paths.ts", AGENT_STATE],
  ] as const;
  for (const [owner, constant] of owners) {
    // Paths and the distinctive names; short unit names such as "ecs" or "docker" are ordinary words too.
    const distinctive = values(constant).filter((value) => value.startsWith("/") || value.includes("."));
    it(`${owner}: ${distinctive.length} paths and names`, async () => {
      expect(distinctive.length).toBeGreaterThan(0);
      for (const value of distinctive) {
        expect({ value, files: await filesNaming(value) }).toEqual({ value, files: [owner] });
      }
    });
  }

  it("the scan finds a path written in another module (it can fail)", async () => {
    // The agent's own config file path lives in the config module, not in a component: two names for it
    // would show up here as two files.
    expect(await filesNaming("/etc/ecs-anywhere-agent/config.yaml")).toEqual(["config/file.ts"]);
  });
});
