import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, type ConfigProblem, type ConfigSources, loadConfig } from "../../src/config/load.ts";
import { cli } from "../support/cli.ts";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "eaa-config-problems-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(text: string, name = "config.yaml"): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function loadError(sources: Partial<ConfigSources>): ConfigError {
  try {
    loadConfig({ flags: {}, env: {}, defaultPath: join(dir, "absent.yaml"), ...sources });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected loadConfig to throw a ConfigError");
}

/** A bad region, a bad cluster name and a misspelt key, one per line. */
const THREE_MISTAKES = "region: Europe\ncluster: my cluster!\nactivaton:\n  registrationLimit: 2\n";

/** Each problem as `path: message (line N)`: compact enough to compare whole lists. */
function brief(problem: ConfigProblem): string {
  return `${problem.path}: ${problem.message}${problem.line === undefined ? "" : ` (line ${problem.line})`}`;
}

interface ManyCase {
  title: string;
  yaml?: string;
  env?: Record<string, string>;
  flags?: ConfigSources["flags"];
  /** --config names a file that is not there (instead of `yaml`). */
  missingFile?: true;
  /** Every problem, in the order reported (see brief()). */
  problems: (string | RegExp)[];
  /** The header names the file (all problems are the file's). */
  inFile: boolean;
}

const MANY: ManyCase[] = [
  {
    title: "a bad region, a bad cluster name and an unknown key in the file",
    yaml: THREE_MISTAKES,
    problems: [
      "region: is not an AWS region name (expected something like eu-west-1) (line 1)",
      "cluster: may contain only letters, digits, hyphens and underscores (line 2)",
      "activaton: unknown key (did you mean activation?) (line 3)",
    ],
    inFile: true,
  },
  {
    title: "several unknown keys in one mapping, one problem each",
    yaml: "instanceRole:\n  colour: blue\n  permision: managed\n",
    problems: [
      "instanceRole.colour: unknown key (expected one of name, permissions, path, permissionsBoundary, selfObservation) (line 2)",
      "instanceRole.permision: unknown key (did you mean permissions?) (line 3)",
    ],
    inFile: true,
  },
  {
    title: "wrong types, a missing required field and an unknown key deep in lists, in file order",
    yaml: [
      "taskRoles:",
      "  - path: /apps/",
      "    s3:",
      "      - bucket: my-bucket",
      "        acess: read",
      "activation:",
      '  registrationLimit: "5"',
      "host:",
      "  enableGpu: yes please",
      "",
    ].join("\n"),
    problems: [
      "taskRoles[0].name: is required (line 2)",
      "taskRoles[0].s3[0].acess: unknown key (did you mean access?) (line 5)",
      "activation.registrationLimit: must be a number (got a string) (line 7)",
      "host.enableGpu: must be true or false (got a string) (line 9)",
    ],
    inFile: true,
  },
  {
    title: "wrong flag and environment values together with the file's, flags' and variables' first",
    yaml: "region: Europe\nclustr: edge\n",
    flags: { cluster: "my cluster", profile: "" },
    env: {
      ECS_ANYWHERE_CLUSTR: "edge",
      ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: "ten",
      ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: "admin",
    },
    problems: [
      "ECS_ANYWHERE_CLUSTR: unknown environment variable (did you mean ECS_ANYWHERE_CLUSTER?)",
      'activation.registrationLimit: ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: must be a number (got "ten")',
      "cluster: --cluster: may contain only letters, digits, hyphens and underscores",
      "profile: --profile: must not be empty",
      'instanceRole.permissions: ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: must be one of managed, least-privilege (got "admin")',
      "region: is not an AWS region name (expected something like eu-west-1) (line 1)",
      "clustr: unknown key (did you mean cluster?) (line 2)",
    ],
    inFile: false,
  },
  {
    title: "a missing config file together with a misspelt variable",
    missingFile: true,
    env: { ECS_ANYWHERE_REGIN: "eu-west-1" },
    problems: [
      "ECS_ANYWHERE_REGIN: unknown environment variable (did you mean ECS_ANYWHERE_REGION?)",
      /^--config: config file not found: .*nope\.yaml$/,
    ],
    inFile: false,
  },
  {
    title: "a value with two things wrong with it once, by its first",
    yaml: "cluster: ''\ninstanceRole:\n  name: ''\n",
    problems: ["cluster: must not be empty (line 1)", "instanceRole.name: must not be empty (line 3)"],
    inFile: true,
  },
  {
    title: "a bad variable once, not again for the bad file value it was meant to replace",
    yaml: "activation:\n  registrationLimit: 0\n",
    env: { ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: "lots", ECS_ANYWHERE_CLUSTER: "a/b" },
    problems: [
      'activation.registrationLimit: ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: must be a number (got "lots")',
      "cluster: ECS_ANYWHERE_CLUSTER: may contain only letters, digits, hyphens and underscores",
    ],
    inFile: false,
  },
];

describe("loadConfig reports every problem at once", () => {
  for (const { title, yaml, env, flags, missingFile, problems, inFile } of MANY) {
    it(title, async () => {
      const file = missingFile
        ? join(dir, "nope.yaml")
        : yaml === undefined
          ? undefined
          : await writeConfig(yaml);
      const error = loadError({ file, env: env ?? {}, flags: flags ?? {} });
      const reported = error.problems.map(brief);
      expect(reported).toHaveLength(problems.length);
      problems.forEach((expected, index) => {
        if (typeof expected === "string") expect(reported[index]).toBe(expected);
        else expect(reported[index]).toMatch(expected);
      });
      expect(error.path).toBe(error.problems[0]?.path);
      // The message: a header, then one indented line per problem, in the same order.
      const [header, ...lines] = error.message.split("\n");
      expect(header).toBe(`config: ${problems.length} problems${inFile ? ` in ${file}` : ""}:`);
      expect(lines).toHaveLength(problems.length);
      lines.forEach((line, index) => {
        const problem = error.problems[index] as ConfigProblem;
        expect(line.startsWith(`  ${problem.path}: ${problem.message}`)).toBe(true);
        if (problem.line !== undefined) {
          expect(line).toMatch(inFile ? / \(line \d+\)$/ : / \(.*config\.yaml line \d+\)$/);
        }
      });
    });
  }

  it("keeps the one-line message of a single problem, which it lists alone", async () => {
    const file = await writeConfig("cluster: ok\nactivation:\n  registrationLimit: 0\n");
    const error = loadError({ file });
    expect(error.message).toBe(
      `config: activation.registrationLimit: must be at least 1 (got 0) (${file} line 3)`,
    );
    expect(error.problems).toEqual([
      { path: "activation.registrationLimit", message: "must be at least 1 (got 0)", file, line: 3 },
    ]);
  });

  it("keeps each problem on its line: values with line breaks are escaped and long values clipped", async () => {
    const file = await writeConfig(
      [
        "activation:",
        '  expiresIn: "1h\\nrm -rf /"',
        `  description: ${"x".repeat(5000)}`,
        "region: Europe",
        "",
      ].join("\n"),
    );
    const error = loadError({ file });
    const lines = error.message.split("\n");
    expect(lines).toHaveLength(1 + 3);
    expect(lines[1]).toContain('"1h\\nrm -rf /" is not a duration');
    expect(error.message).not.toMatch(/x{101}/);
    expect(error.problems.map((problem) => problem.path)).toEqual([
      "activation.expiresIn",
      "activation.description",
      "region",
    ]);
  });

  it("never repeats a secret ecs.config value, among other problems", async () => {
    const secret = "registry-password-do-not-print";
    const file = await writeConfig(
      `ecsConfig:\n  ECS_ENGINE_AUTH_DATA: "${secret}\\nsecond line"\nregion: Europe\ncluster: bad name\n`,
    );
    const error = loadError({ file });
    expect(error.problems.map((problem) => problem.path)).toEqual([
      "ecsConfig.ECS_ENGINE_AUTH_DATA",
      "region",
      "cluster",
    ]);
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.problems)).not.toContain(secret);
  });
});

describe("the CLI reports every config problem", () => {
  it("config validate: exit 2, one line per problem on stderr after the header", async () => {
    const file = await writeConfig(THREE_MISTAKES);
    const run = await cli(["config", "validate", "--config", file], {});
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        `error (input): config: 3 problems in ${file}:`,
        "  region: is not an AWS region name (expected something like eu-west-1) (line 1)",
        "  cluster: may contain only letters, digits, hyphens and underscores (line 2)",
        "  activaton: unknown key (did you mean activation?) (line 3)",
        "",
      ].join("\n"),
    );
  });

  it("--output json: the error document lists the three problems with their paths and lines", async () => {
    const file = await writeConfig(THREE_MISTAKES);
    const run = await cli(["config", "validate", "--config", file, "--output", "json"], {});
    expect(run.code).toBe(2);
    const document = JSON.parse(run.stdout);
    expect(document).toEqual({
      ok: false,
      error: {
        kind: "input",
        message: expect.stringMatching(/^config: 3 problems in /),
        problems: [
          {
            path: "region",
            message: "is not an AWS region name (expected something like eu-west-1)",
            file,
            line: 1,
          },
          {
            path: "cluster",
            message: "may contain only letters, digits, hyphens and underscores",
            file,
            line: 2,
          },
          { path: "activaton", message: "unknown key (did you mean activation?)", file, line: 3 },
        ],
      },
    });
  });

  it("flags and variables that are wrong are reported with the file's problems, by any command", async () => {
    const file = await writeConfig(THREE_MISTAKES);
    const env = { ECS_ANYWHERE_CLUSTR: "edge", ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: "ten" };
    for (const command of [["config", "validate"], ["setup"], ["activation", "create"]]) {
      const run = await cli(
        [...command, "--config", file, "--region", "Mars-1", "--cluster", "ok", "--output", "json"],
        env,
      );
      expect(run.code).toBe(2);
      const { error } = JSON.parse(run.stdout);
      expect(error.problems.map((problem: ConfigProblem) => `${problem.path}: ${problem.message}`)).toEqual([
        "ECS_ANYWHERE_CLUSTR: unknown environment variable (did you mean ECS_ANYWHERE_CLUSTER?)",
        'activation.registrationLimit: ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: must be a number (got "ten")',
        "region: --region: is not an AWS region name (expected something like eu-west-1)",
        "activaton: unknown key (did you mean activation?)",
      ]);
      // --cluster ok replaced the file's bad cluster name, so that one is no longer a problem.
      expect(run.stderr.split("\n")[0]).toBe("error (input): config: 4 problems:");
      expect(run.stderr).toContain(`  activaton: unknown key (did you mean activation?) (${file} line 3)\n`);
    }
  });

  it("a single problem keeps its one-line message, and JSON lists it alone", async () => {
    const run = await cli(["config", "validate", "--cluster", "my cluster!", "--output", "json"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error (input): config: cluster: --cluster: may contain only letters, digits, hyphens and underscores\n",
    );
    expect(JSON.parse(run.stdout).error.problems).toEqual([
      { path: "cluster", message: "--cluster: may contain only letters, digits, hyphens and underscores" },
    ]);
  });
});
