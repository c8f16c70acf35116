import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  ConfigError,
  type ConfigSources,
  describeConfig,
  formatPath,
  loadConfig,
  maskSecrets,
} from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";

const FULL_FIXTURE = fileURLToPath(new URL("./fixtures/full.yaml", import.meta.url));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "eaa-config-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(text: string, name = "config.yaml"): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Loads with no file, env or flags unless given; the default path points into the empty temp dir. */
function load(sources: Partial<ConfigSources> = {}): Config {
  return loadConfig({ flags: {}, env: {}, defaultPath: join(dir, "absent.yaml"), ...sources });
}

function loadError(sources: Partial<ConfigSources>): ConfigError {
  try {
    load(sources);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.message).not.toMatch(/[\n\r]/);
    return configError;
  }
  throw new Error("expected loadConfig to throw a ConfigError");
}

describe("loadConfig precedence", () => {
  it("uses the schema defaults when there is no file, environment or flag", () => {
    const config = load();
    expect(config.cluster).toBe("default");
    expect(config.region).toBeUndefined();
    expect(config.instanceRole).toMatchObject({ name: "ECSAnywhereRole", permissions: "managed", path: "/" });
    expect(config.activation).toMatchObject({ expiresIn: 3600, registrationLimit: 1 });
  });

  it("lets a flag beat the environment, the environment beat the file and the file beat the default", async () => {
    const file = await writeConfig("cluster: from-file\n");
    const env = { ECS_ANYWHERE_CLUSTER: "from-env" };
    expect(load({ file, env, flags: { cluster: "from-flag" } }).cluster).toBe("from-flag");
    expect(load({ file, env }).cluster).toBe("from-env");
    expect(load({ file }).cluster).toBe("from-file");
    expect(load().cluster).toBe("default");
  });

  it("overrides only the nested field an environment variable names and keeps the file's siblings", async () => {
    const file = await writeConfig("activation:\n  registrationLimit: 5\n  description: from file\n");
    const config = load({ file, env: { ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: "7" } });
    expect(config.activation.registrationLimit).toBe(7);
    expect(config.activation.description).toBe("from file");
  });

  it("reads the default config path when it exists", async () => {
    const defaultPath = await writeConfig("cluster: from-default-path\n");
    expect(load({ defaultPath }).cluster).toBe("from-default-path");
  });

  it("silently skips the default config path when it is absent", () => {
    expect(() => load({ defaultPath: join(dir, "nothing-here.yaml") })).not.toThrow();
  });

  it("does not read the default path when --config names another file", async () => {
    const defaultPath = await writeConfig("cluster: from-default\n", "default.yaml");
    const file = await writeConfig("cluster: from-flag-file\n", "chosen.yaml");
    expect(load({ file, defaultPath }).cluster).toBe("from-flag-file");
  });

  it("uses ECS_ANYWHERE_CONFIG as the file when there is no --config flag, and --config over it", async () => {
    const envFile = await writeConfig("cluster: from-env-file\n", "env.yaml");
    const flagFile = await writeConfig("cluster: from-flag-file\n", "flag.yaml");
    expect(load({ env: { ECS_ANYWHERE_CONFIG: envFile } }).cluster).toBe("from-env-file");
    expect(load({ file: flagFile, env: { ECS_ANYWHERE_CONFIG: envFile } }).cluster).toBe("from-flag-file");
  });

  it("treats an empty file, or one holding only comments, as an empty mapping", async () => {
    expect(load({ file: await writeConfig("", "empty.yaml") }).cluster).toBe("default");
    expect(load({ file: await writeConfig("# nothing yet\n", "comments.yaml") }).cluster).toBe("default");
  });

  it("reads through an injected readFile instead of the file system", () => {
    const files: Record<string, string> = { "/virtual/config.yaml": "cluster: virtual\n" };
    const config = loadConfig({
      file: "/virtual/config.yaml",
      flags: {},
      env: {},
      readFile: (p) => files[p],
    });
    expect(config.cluster).toBe("virtual");
  });

  it("parses a file that sets every section", () => {
    const config = load({ file: FULL_FIXTURE });
    expect(config.region).toBe("eu-west-1");
    expect(config.tags).toEqual({ Team: "platform", "Cost Center": "42" });
    expect(config.instanceRole.permissions).toBe("least-privilege");
    expect(config.executionRole.taskSecrets).toHaveLength(2);
    expect(config.taskRoles[0]?.s3[0]).toEqual({
      bucket: "edge-sensor-data",
      prefix: "raw/",
      access: "read-write",
      allowDelete: true,
    });
    expect(config.taskRoles[1]).toEqual({ name: "reporter", path: "/", s3: [] });
    expect(config.activation.expiresIn).toBe(2 * 3600 + 30 * 60);
    expect(config.endpoints).toEqual({
      ssm: "https://vpce-0123456789abcdef0-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com",
      ecs: "https://ecs.eu-west-1.amazonaws.com",
    });
  });

  it("ignores flags it has no binding for, such as the ones commander adds", () => {
    const flags = {
      cluster: "flagged",
      verbose: true,
      config: "/elsewhere",
    } as unknown as ConfigSources["flags"];
    expect(load({ flags }).cluster).toBe("flagged");
  });
});

describe("loadConfig environment", () => {
  it("maps every ECS_ANYWHERE_* setting variable onto its config field", () => {
    const config = load({
      env: {
        ECS_ANYWHERE_REGION: "us-east-2",
        ECS_ANYWHERE_CLUSTER: "env-cluster",
        ECS_ANYWHERE_PROFILE: "env-profile",
        ECS_ANYWHERE_INSTANCE_ROLE_NAME: "EnvInstanceRole",
        ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: "least-privilege",
        ECS_ANYWHERE_EXECUTION_ROLE_NAME: "EnvExecutionRole",
        ECS_ANYWHERE_ACTIVATION_EXPIRES_IN: "7d",
        ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: "12",
        ECS_ANYWHERE_ACTIVATION_DEFAULT_INSTANCE_NAME: "env-node",
      },
    });
    expect(config).toMatchObject({
      region: "us-east-2",
      cluster: "env-cluster",
      profile: "env-profile",
      instanceRole: { name: "EnvInstanceRole", permissions: "least-privilege" },
      executionRole: { name: "EnvExecutionRole" },
      activation: { expiresIn: 7 * 86400, registrationLimit: 12, defaultInstanceName: "env-node" },
    });
  });

  it("ignores the reserved ECS_ANYWHERE_ACTIVATION_CODE, _LOG_LEVEL and _OUTPUT variables", () => {
    const env = {
      ECS_ANYWHERE_ACTIVATION_CODE: "super-secret-activation-code",
      ECS_ANYWHERE_LOG_LEVEL: "debug",
      ECS_ANYWHERE_OUTPUT: "json",
    };
    const config = load({ env });
    expect(JSON.stringify(config)).not.toContain("super-secret-activation-code");
  });

  it("treats an empty ECS_ANYWHERE_* variable as unset", () => {
    expect(load({ env: { ECS_ANYWHERE_CLUSTER: "", ECS_ANYWHERE_CONFIG: "" } }).cluster).toBe("default");
  });

  it("falls back to AWS_REGION, then AWS_DEFAULT_REGION, when nothing else names a region", () => {
    expect(load({ env: { AWS_REGION: "eu-central-1", AWS_DEFAULT_REGION: "us-west-2" } }).region).toBe(
      "eu-central-1",
    );
    expect(load({ env: { AWS_DEFAULT_REGION: "us-west-2" } }).region).toBe("us-west-2");
  });

  it("prefers the file, ECS_ANYWHERE_REGION and --region over AWS_REGION", async () => {
    const file = await writeConfig("region: ap-south-1\n");
    const env = { AWS_REGION: "eu-central-1" };
    expect(load({ file, env }).region).toBe("ap-south-1");
    expect(load({ file, env: { ...env, ECS_ANYWHERE_REGION: "ca-central-1" } }).region).toBe("ca-central-1");
    expect(load({ file, env, flags: { region: "sa-east-1" } }).region).toBe("sa-east-1");
  });
});

interface BadCase {
  title: string;
  yaml?: string;
  env?: Record<string, string>;
  flags?: ConfigSources["flags"];
  path: string;
  message: string | RegExp;
}

const BAD_INPUTS: BadCase[] = [
  {
    title: "a region that is not an AWS region name",
    yaml: "region: Europe\n",
    path: "region",
    message: "config: region: is not an AWS region name",
  },
  {
    title: "a cluster name with characters ECS does not allow",
    yaml: "cluster: my cluster!\n",
    path: "cluster",
    message: "config: cluster: may contain only letters, digits, hyphens and underscores",
  },
  {
    title: "a bad cluster name from --cluster, naming the flag",
    flags: { cluster: "my cluster" },
    path: "cluster",
    message: "config: cluster: --cluster: may contain only letters",
  },
  {
    title: "a bad cluster name from ECS_ANYWHERE_CLUSTER, naming the variable",
    env: { ECS_ANYWHERE_CLUSTER: "a/b" },
    path: "cluster",
    message: "config: cluster: ECS_ANYWHERE_CLUSTER: may contain only letters",
  },
  {
    title: "a role name of 65 characters",
    yaml: `instanceRole:\n  name: ${"R".repeat(65)}\n`,
    path: "instanceRole.name",
    message: "config: instanceRole.name: must be at most 64 characters",
  },
  {
    title: "an activation expiry longer than 30 days",
    yaml: "activation:\n  expiresIn: 31d\n",
    path: "activation.expiresIn",
    message: "config: activation.expiresIn: must be between 1m and 30d",
  },
  {
    title: "an activation expiry that is not a duration",
    yaml: "activation:\n  expiresIn: tomorrow\n",
    path: "activation.expiresIn",
    message: 'config: activation.expiresIn: "tomorrow" is not a duration',
  },
  {
    title: "a registration limit of 0",
    yaml: "activation:\n  registrationLimit: 0\n",
    path: "activation.registrationLimit",
    message: "config: activation.registrationLimit: must be at least 1 (got 0)",
  },
  {
    title: "a registration limit of 1001",
    yaml: "activation:\n  registrationLimit: 1001\n",
    path: "activation.registrationLimit",
    message: "config: activation.registrationLimit: must be at most 1000 (got 1001)",
  },
  {
    title: "a registration limit that is not a whole number",
    yaml: "activation:\n  registrationLimit: 2.5\n",
    path: "activation.registrationLimit",
    message: "must be a whole number (got 2.5)",
  },
  {
    title: "an unknown top-level key, listing the known ones",
    yaml: "cluster: ok\nclusterz_name: x\n",
    path: "clusterz_name",
    message: /^config: clusterz_name: unknown key \(expected one of region, cluster, .*activation\)/,
  },
  {
    title: "an unknown nested key, suggesting the intended one",
    yaml: "instanceRole:\n  permision: managed\n",
    path: "instanceRole.permision",
    message: "config: instanceRole.permision: unknown key (did you mean permissions?)",
  },
  {
    title: "an unknown key inside a list entry, suggesting the intended one",
    yaml: "taskRoles:\n  - name: app\n    s3:\n      - bucket: my-bucket\n        acess: read\n",
    path: "taskRoles[0].s3[0].acess",
    message: "config: taskRoles[0].s3[0].acess: unknown key (did you mean access?)",
  },
  {
    title: "a permissions mode from ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS outside the enum",
    env: { ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: "admin" },
    path: "instanceRole.permissions",
    message:
      'config: instanceRole.permissions: ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: must be one of managed, least-privilege (got "admin")',
  },
  {
    title: "a string where a number belongs",
    yaml: 'activation:\n  registrationLimit: "5"\n',
    path: "activation.registrationLimit",
    message: "config: activation.registrationLimit: must be a number (got a string)",
  },
  {
    title: "a mapping section given as a scalar",
    yaml: "instanceRole: ECSAnywhereRole\n",
    path: "instanceRole",
    message: "config: instanceRole: must be a mapping (got a string)",
  },
  {
    title: "a task role without a name",
    yaml: "taskRoles:\n  - path: /apps/\n",
    path: "taskRoles[0].name",
    message: "config: taskRoles[0].name: is required",
  },
  {
    title: "a malformed secret ARN in executionRole.registryCredentialSecrets[1]",
    yaml: [
      "executionRole:",
      "  registryCredentialSecrets:",
      "    - arn:aws:secretsmanager:eu-west-1:123456789012:secret:ok-AbCdEf",
      "    - arn:aws:secretsmanager:eu-west-1:1234:secret:short-account",
      "",
    ].join("\n"),
    path: "executionRole.registryCredentialSecrets[1]",
    message: "is not a Secrets Manager secret ARN",
  },
  {
    title: "a task secret that is neither a secret nor a parameter ARN",
    yaml: "executionRole:\n  taskSecrets:\n    - db-password\n",
    path: "executionRole.taskSecrets[0]",
    message: "is neither a Secrets Manager secret ARN nor an SSM parameter ARN",
  },
  {
    title: "a malformed S3 bucket name",
    yaml: "taskRoles:\n  - name: app\n    s3:\n      - bucket: My_Bucket\n",
    path: "taskRoles[0].s3[0].bucket",
    message: "config: taskRoles[0].s3[0].bucket: is not a valid S3 bucket name",
  },
  {
    title: "an S3 access level outside the enum",
    yaml: "taskRoles:\n  - name: app\n    s3:\n      - bucket: my-bucket\n        access: admin\n",
    path: "taskRoles[0].s3[0].access",
    message: 'config: taskRoles[0].s3[0].access: must be one of read, write, read-write (got "admin")',
  },
  {
    title: "a tag key AWS does not allow, quoting the key in the path",
    yaml: "tags:\n  'cost#center': x\n",
    path: 'tags["cost#center"]',
    message: 'config: tags["cost#center"]: key has characters AWS tags do not allow',
  },
  {
    title: "an unknown ECS_ANYWHERE_ variable, suggesting the intended one",
    env: { ECS_ANYWHERE_CLUSTR: "prod" },
    path: "ECS_ANYWHERE_CLUSTR",
    message: "config: ECS_ANYWHERE_CLUSTR: unknown environment variable (did you mean ECS_ANYWHERE_CLUSTER?)",
  },
  {
    title: "an unknown ECS_ANYWHERE_ variable unlike any known one",
    env: { ECS_ANYWHERE_SOMETHING_ELSE_ENTIRELY: "1" },
    path: "ECS_ANYWHERE_SOMETHING_ELSE_ENTIRELY",
    message: "unknown environment variable (ecs-anywhere-agent does not read it",
  },
  {
    title: "a registration limit variable that is not a number",
    env: { ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: "ten" },
    path: "activation.registrationLimit",
    message:
      'config: activation.registrationLimit: ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: must be a number (got "ten")',
  },
  {
    title: "a registration limit variable that is out of range",
    env: { ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: "0" },
    path: "activation.registrationLimit",
    message:
      "config: activation.registrationLimit: ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: must be at least 1",
  },
  {
    title: "a bad AWS_REGION fallback, naming AWS_REGION",
    env: { AWS_REGION: "moon-base" },
    path: "region",
    message: "config: region: AWS_REGION: is not an AWS region name",
  },
  {
    title: "an empty --profile",
    flags: { profile: "" },
    path: "profile",
    message: "config: profile: --profile: must not be empty",
  },
];

describe("loadConfig rejects", () => {
  for (const { title, yaml, env, flags, path, message } of BAD_INPUTS) {
    it(title, async () => {
      const file = yaml === undefined ? undefined : await writeConfig(yaml);
      const error = loadError({ file, env: env ?? {}, flags: flags ?? {} });
      expect(error.path).toBe(path);
      if (typeof message === "string") expect(error.message).toContain(message);
      else expect(error.message).toMatch(message);
    });
  }

  it("points at the line of the file that holds a bad value", async () => {
    const file = await writeConfig("cluster: ok\nactivation:\n  registrationLimit: 0\n");
    expect(loadError({ file }).message).toMatch(/\(.*config\.yaml line 3\)$/);
  });

  it("a missing --config file, naming the path", () => {
    const missing = join(dir, "nope.yaml");
    const error = loadError({ file: missing });
    expect(error.path).toBe("--config");
    expect(error.message).toBe(`config file not found: ${missing}`);
  });

  it("a missing ECS_ANYWHERE_CONFIG file, naming the variable", () => {
    const missing = join(dir, "nope.yaml");
    const error = loadError({ env: { ECS_ANYWHERE_CONFIG: missing } });
    expect(error.path).toBe("ECS_ANYWHERE_CONFIG");
    expect(error.message).toBe(`config file not found: ${missing} (named by ECS_ANYWHERE_CONFIG)`);
  });

  it("a config path that is a directory, as unreadable", async () => {
    const folder = join(dir, "conf.d");
    await mkdir(folder);
    const error = loadError({ file: folder });
    expect(error.path).toBe("--config");
    expect(error.message).toBe(`config file ${folder}: cannot read it (it is a directory)`);
  });

  it("malformed YAML, with line and column", async () => {
    const file = await writeConfig("cluster: ok\nactivation:\n  expiresIn: [1h\nregion: eu-west-1\n");
    const error = loadError({ file });
    expect(error.path).toBe("--config");
    expect(error.message).toMatch(/: line 4, column 1: Flow sequence .* must .* end with a \]$/);
    expect(error.message.startsWith(`config file ${file}: `)).toBe(true);
  });

  it("a key given twice in the YAML, at the second one", async () => {
    const file = await writeConfig("cluster: a\nregion: eu-west-1\ncluster: b\n");
    expect(loadError({ file }).message).toBe(
      `config file ${file}: line 3, column 1: Map keys must be unique`,
    );
  });

  it("a file holding two YAML documents", async () => {
    const file = await writeConfig("cluster: a\n---\ncluster: b\n");
    expect(loadError({ file }).message).toContain("line 2, column 1: holds more than one YAML document");
  });

  it("a file whose top level is a list", async () => {
    const file = await writeConfig("- cluster: a\n- cluster: b\n");
    const error = loadError({ file });
    expect(error.path).toBe("--config");
    expect(error.message).toBe(
      `config file ${file}: the top level must be a mapping of settings (e.g. "cluster: production"), not a list`,
    );
  });

  it("a file whose top level is a plain string", async () => {
    const file = await writeConfig("just some text\n");
    expect(loadError({ file }).message).toMatch(/not a string$/);
  });

  it("a very long bad value without echoing more than 100 characters of it", async () => {
    const file = await writeConfig(`activation:\n  expiresIn: ${"x".repeat(5000)}\n`);
    const error = loadError({ file });
    expect(error.path).toBe("activation.expiresIn");
    expect(error.message).toContain("(5000 chars)");
    expect(error.message).not.toMatch(/x{101}/);
  });

  it("a bad value holding a line break, keeping the message on one line", async () => {
    const file = await writeConfig('activation:\n  expiresIn: "1h\\nrm -rf /"\n');
    expect(loadError({ file }).message).toContain('"1h\\nrm -rf /" is not a duration');
  });

  it("every problem, not just the first, when there are several (more in all-problems.test.ts)", async () => {
    const file = await writeConfig("region: nowhere\ncluster: bad name\n");
    const error = (() => {
      try {
        load({ file });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error("expected loadConfig to throw");
    })();
    expect(error.path).toBe("region");
    expect(error.problems.map((problem) => problem.path)).toEqual(["region", "cluster"]);
  });
});

describe("describeConfig", () => {
  it("writes the expiry back as a duration and loads back to the same config", async () => {
    const config = load({ file: FULL_FIXTURE });
    const described = describeConfig(config);
    expect(described.activation).toMatchObject({ expiresIn: "2h30m" });
    const file = await writeConfig(stringify(described), "described.yaml");
    expect(load({ file })).toEqual(config);
  });

  it("does not change the config it describes", () => {
    const config = load();
    const before = structuredClone(config);
    describeConfig(config);
    expect(config).toEqual(before);
  });

  it("masks values at secret paths, including through lists", () => {
    const value = {
      a: { token: "s3cret", keep: 1 },
      list: [{ key: "k1" }, { key: "k2" }],
      absent: undefined,
    };
    expect(
      maskSecrets(value, [
        ["a", "token"],
        ["list", "*", "key"],
        ["absent", "x"],
      ]),
    ).toEqual({
      a: { token: "****", keep: 1 },
      list: [{ key: "****" }, { key: "****" }],
      absent: undefined,
    });
    expect(value.a.token).toBe("s3cret");
  });
});

describe("formatPath", () => {
  it("writes list indices in brackets and odd keys quoted", () => {
    expect(formatPath(["taskRoles", 0, "s3", 2, "bucket"])).toBe("taskRoles[0].s3[2].bucket");
    expect(formatPath(["tags", "Cost Center"])).toBe('tags["Cost Center"]');
  });
});
