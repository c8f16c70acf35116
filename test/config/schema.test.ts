import { describe, expect, it } from "vitest";
import { type ConfigInput, configSchema, MANAGED_BY_TAG } from "../../src/config/schema.ts";

const ACCOUNT = "123456789012";
const HEX40 = "0123456789abcdefABCDEF0123456789abcdef01";

/** `{ a: { b: value } }` for the dotted path "a.b". */
function at(path: string, value: unknown): ConfigInput {
  return path.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as ConfigInput;
}

/** A test title: the path and the value as JSON, long values cut short. */
function title(path: string, value: unknown): string {
  const json = JSON.stringify(value);
  return `${path}: ${json.length > 70 ? `${json.slice(0, 60)}... (${json.length} characters)` : json}`;
}

const appRole = (s3: unknown[]) => [{ name: "app", s3 }];

/** Every problem as "path: message", with the inner message of a record key that failed. */
function problems(input: unknown): string[] {
  const result = configSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const inner = "issues" in issue && Array.isArray(issue.issues) ? issue.issues[0] : undefined;
    return `${issue.path.join(".")}: ${(inner as { message?: string } | undefined)?.message ?? issue.message}`;
  });
}

describe("configSchema defaults", () => {
  it("fills in every default from an empty file", () => {
    expect(configSchema.parse({})).toEqual({
      cluster: "default",
      tags: {},
      instanceRole: { name: "ECSAnywhereRole", permissions: "managed", path: "/", selfObservation: false },
      executionRole: {
        enabled: true,
        name: "ecsTaskExecutionRole",
        path: "/",
        registryCredentialSecrets: [],
        taskSecrets: [],
        kmsKeys: [],
        environmentFiles: [],
        ecrVpcEndpoints: [],
        ecrVpcs: [],
      },
      taskRoles: [],
      host: {
        ecsLogLevel: "info",
        instanceTags: {},
        instanceAttributes: {},
        enableGpu: false,
        dockerInstallSource: "all",
        ecsVersion: "latest",
        noStart: false,
        installScript: {
          url: "https://amazon-ecs-agent.s3.amazonaws.com/ecs-anywhere-install-latest.sh",
          fingerprint: "F34C3DDAE72926B079BEAEC6BCE9D9A42D51784F",
          timeout: 900,
        },
        verifyTimeout: 300,
      },
      ecsConfig: {},
      health: {
        interval: 15,
        probeTimeout: 5,
        repairTimeout: 60,
        listen: "127.0.0.1:9745",
        controlPlane: false,
        repair: true,
        maxRepairsPerHour: 6,
        minFreeDiskMiB: 1024,
      },
      endpoints: {},
      activation: { expiresIn: 3600, registrationLimit: 1, tags: {} },
    });
  });

  it("gives an S3 grant read access to the whole bucket, without delete, by default", () => {
    expect(
      configSchema.parse({ taskRoles: [{ name: "app", s3: [{ bucket: "app-data" }] }] }).taskRoles,
    ).toEqual([
      {
        name: "app",
        path: "/",
        s3: [{ bucket: "app-data", prefix: "", access: "read", allowDelete: false }],
      },
    ]);
  });

  it("gives a task role without grants an empty list of them", () => {
    expect(configSchema.parse({ taskRoles: [{ name: "app" }] }).taskRoles).toEqual([
      { name: "app", path: "/", s3: [] },
    ]);
  });

  it("tags what it creates ManagedBy=ecs-anywhere-agent, the tag existing installations carry", () => {
    expect(MANAGED_BY_TAG).toEqual({ key: "ManagedBy", value: "ecs-anywhere-agent" });
  });
});

describe("configSchema turns durations into seconds", () => {
  it.each([
    ["activation.expiresIn", "1m", 60],
    ["activation.expiresIn", "60s", 60],
    ["activation.expiresIn", "2h30m", 9000],
    ["activation.expiresIn", "30d", 2_592_000],
    ["host.installScript.timeout", "15m", 900],
    ["host.verifyTimeout", "1h", 3600],
  ])("reads %s: %s as %d", (path, text, seconds) => {
    const parsed = configSchema.parse(at(path, text));
    expect(
      path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], parsed),
    ).toBe(seconds);
  });
});

describe("configSchema reads the ECS agent's log level as the agent does (field notes §8.8)", () => {
  it.each([
    ["DEBUG", "debug"],
    ["Info", "info"],
    ["NONE", "none"],
    ["crit", "crit"],
  ])("reads host.ecsLogLevel %j as %j", (given, level) => {
    expect(configSchema.parse(at("host.ecsLogLevel", given)).host.ecsLogLevel).toBe(level);
  });

  it("still rejects a level the agent does not know, in any case, and a value that is not text", () => {
    expect(problems(at("host.ecsLogLevel", "VERBOSE"))).toHaveLength(1);
    expect(problems(at("host.ecsLogLevel", "critical"))).toHaveLength(1);
    expect(problems(at("host.ecsLogLevel", 1))).toHaveLength(1);
  });
});

describe("configSchema accepts", () => {
  const long = (n: number, ch = "a") => ch.repeat(n);
  const accepted: [string, unknown][] = [
    ["region", "eu-west-1"],
    ["region", "us-gov-west-1"],
    ["region", "ap-southeast-2"],
    ["region", "eu-west-12"],
    ["cluster", "a"],
    ["cluster", "Edge-fleet_01"],
    ["cluster", long(255)],
    ["profile", "ops"],
    [
      "tags",
      { "Cost Center": "42", Kostenstelle: "Zürich", "a_.:/=+-@": "", [long(128, "k")]: long(256, "v") },
    ],
    ["instanceRole.name", "a"],
    ["instanceRole.name", "my+role=,.@_-1"],
    ["instanceRole.name", long(64, "R")],
    ["instanceRole.permissions", "managed"],
    ["instanceRole.permissions", "least-privilege"],
    ["instanceRole.path", "/"],
    ["executionRole.path", "/ecs-anywhere/"],
    ["executionRole.path", "/a/b~c/"],
    ["executionRole.path", `/${long(510)}/`],
    ["instanceRole.permissionsBoundary", "arn:aws:iam::aws:policy/PowerUserAccess"],
    ["instanceRole.permissionsBoundary", `arn:aws-us-gov:iam::${ACCOUNT}:policy/team/Boundary+1`],
    ["instanceRole.selfObservation", true],
    ["executionRole.enabled", false],
    [
      "executionRole.registryCredentialSecrets",
      [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:reg/hub-AbC`],
    ],
    [
      "executionRole.taskSecrets",
      [
        `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db`,
        `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/a/b.c`,
      ],
    ],
    [
      "executionRole.kmsKeys",
      [`arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
    ],
    ["executionRole.environmentFiles", ["arn:aws:s3:::abc/k", `arn:aws:s3:::${long(63)}/dir/app.env`]],
    ["executionRole.ecrVpcEndpoints", ["vpce-0123abcd", "vpce-0123456789abcdef0"]],
    ["executionRole.ecrVpcs", ["vpc-0123abcd", "vpc-0123456789abcdef0"]],
    ["taskRoles", [{ name: "app" }]],
    [
      "taskRoles",
      appRole([
        { bucket: "abc", access: "read" },
        { bucket: "abd", access: "write" },
      ]),
    ],
    ["taskRoles", appRole([{ bucket: "abc", access: "read-write", allowDelete: false }])],
    ["host.ecsLogLevel", "crit"],
    ["host.ecsLogLevel", "error"],
    ["host.ecsLogLevel", "warn"],
    ["host.ecsLogLevel", "info"],
    ["host.ecsLogLevel", "debug"],
    ["host.ecsLogLevel", "none"],
    ["host.instanceTags", { team: "payments" }],
    ["host.instanceAttributes", { [long(128, "k")]: long(128, "v"), rack: "" }],
    ["host.enableGpu", true],
    ["host.reservedMemoryMiB", 0],
    ["host.reservedMemoryMiB", 256],
    ["host.reservedMemoryMiB", 65535],
    ["host.dockerInstallSource", "all"],
    ["host.dockerInstallSource", "docker"],
    ["host.dockerInstallSource", "distro"],
    ["host.dockerInstallSource", "none"],
    ["host.ecsVersion", "latest"],
    ["host.ecsVersion", "1.89.0"],
    ["host.ecsVersion", "10.100.1000"],
    ["host.ecsVersion", "1.89.2-1"],
    ["host.ecsVersion", "1.89.2-10"],
    ["host.noStart", true],
    ["host.installScript.url", "http://mirror.internal/ecs-anywhere-install.sh"],
    ["host.installScript.url", "https://mirror.internal/ecs-anywhere-install.sh"],
    ["host.installScript.gpgKeyFile", "/srv/keys/ecs.asc"],
    ["host.installScript.gpgKeyUrl", "http://mirror.internal/ecs.asc"],
    ["host.installScript.gpgKeyUrl", "https://mirror.internal/ecs.asc"],
    ["host.installScript.fingerprint", HEX40],
    [
      "ecsConfig",
      { ECS_ENABLE_TASK_IAM_ROLE: "true", HTTP_PROXY: "http://proxy:3128", A1_: "", ECS_X: "a b" },
    ],
    ["ecsConfig", { http_proxy: "http://proxy:3128", no_proxy: "169.254.169.254", _X: "1", a: "b" }],
    ["activation.registrationLimit", 1],
    ["activation.registrationLimit", 1000],
    ["activation.defaultInstanceName", "n"],
    ["activation.defaultInstanceName", long(256, "n")],
    ["activation.description", ""],
    ["activation.description", long(256, "d")],
    ["activation.tags", { Site: "berlin" }],
  ];
  for (const [path, value] of accepted) {
    it(title(path, value), () => {
      expect(problems(at(path, value))).toEqual([]);
    });
  }

  it("an S3 grant with every field at its limit", () => {
    const grant = {
      bucket: `a.b-${long(59)}`,
      prefix: long(1024, "p"),
      access: "read-write",
      allowDelete: true,
    };
    expect(
      problems({ taskRoles: [{ name: "app", s3: [grant, { bucket: "abc", access: "write" }] }] }),
    ).toEqual([]);
  });
});

const REGION = "is not an AWS region name (expected something like eu-west-1)";
const CLUSTER = "may contain only letters, digits, hyphens and underscores";
const ROLE = "may contain only letters, digits and + = , . @ _ -";
const PATH = "must start and end with / (e.g. /ecs-anywhere/)";
const TAG = "has characters AWS tags do not allow";
const BUCKET = "is not a valid S3 bucket name (3-63 chars, lower case)";
const VERSION = "must be latest or a version such as 1.89.0 or 1.89.2-1";
const FINGERPRINT = "must be a 40-hex-digit key fingerprint";
const SPACE = "must not begin or end with white space";
const ECS_KEY = 'must be an ecs.config key: letters, digits and "_", not starting with a digit';
const EXPIRY = "must be between 1m and 30d (SSM activations expire at most 30 days ahead)";

describe("configSchema rejects, with a message a user can act on", () => {
  const rejected: [string, unknown, string][] = [
    ["region", "Europe", REGION],
    ["region", "1eu-west-1", REGION],
    ["region", "eu-west-1x", REGION],
    ["region", "eu-west-123", REGION],
    ["region", "eu-1", REGION],
    ["cluster", "my cluster", CLUSTER],
    ["cluster", "a".repeat(256), "must be at most 255 characters"],
    ["instanceRole.name", "my role", ROLE],
    ["instanceRole.name", "R".repeat(65), "must be at most 64 characters"],
    ["executionRole.name", "role#1", ROLE],
    ["instanceRole.path", "ecs/", PATH],
    ["instanceRole.path", "/ecs", PATH],
    ["instanceRole.path", "/a b/", PATH],
    ["executionRole.path", "", PATH],
    // field notes §5.9: CreateActivation cannot use a role under a path.
    [
      "instanceRole.path",
      "/ecs-anywhere/",
      'must be "/": SSM CreateActivation names the instance role by name only and does not find a role under a path',
    ],
    [
      "instanceRole.permissionsBoundary",
      "arn:aws:iam::aws:policy/",
      "is not an IAM managed policy ARN (arn:aws:iam:...)",
    ],
    [
      "executionRole.permissionsBoundary",
      `arn:aws:iam::${ACCOUNT}:role/Boundary`,
      "is not an IAM managed policy ARN (arn:aws:iam:...)",
    ],
    [
      "executionRole.registryCredentialSecrets",
      ["arn:aws:secretsmanager:eu-west-1:1234:secret:x"],
      "is not a Secrets Manager secret ARN (arn:aws:secretsmanager:...)",
    ],
    [
      "executionRole.registryCredentialSecrets",
      [`arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/x`],
      "is not a Secrets Manager secret ARN (arn:aws:secretsmanager:...)",
    ],
    [
      "executionRole.taskSecrets",
      [`arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/`],
      "is neither a Secrets Manager secret ARN nor an SSM parameter ARN",
    ],
    [
      "executionRole.kmsKeys",
      [`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app`],
      "is not a KMS key (not an alias) ARN (arn:aws:kms:...)",
    ],
    ["executionRole.environmentFiles", ["arn:aws:s3:::bucket"], "is not an S3 object ARN (arn:aws:s3:...)"],
    ["executionRole.environmentFiles", ["arn:aws:s3:::ab/k"], "is not an S3 object ARN (arn:aws:s3:...)"],
    ["executionRole.ecrVpcEndpoints", ["vpce-0123abc"], "is not a VPC endpoint id"],
    ["executionRole.ecrVpcEndpoints", ["vpce-0123456789abcdef01"], "is not a VPC endpoint id"],
    ["executionRole.ecrVpcEndpoints", ["my-vpce-0123abcd"], "is not a VPC endpoint id"],
    ["executionRole.ecrVpcEndpoints", ["vpce-0123abcg"], "is not a VPC endpoint id"],
    ["executionRole.ecrVpcs", ["vpc-0123abc"], "is not a VPC id"],
    ["executionRole.ecrVpcs", ["vpc-0123456789abcdef01"], "is not a VPC id"],
    ["executionRole.ecrVpcs", ["myvpc-0123abcd"], "is not a VPC id"],
    ["taskRoles", appRole([{ bucket: "ab" }]), BUCKET],
    ["taskRoles", appRole([{ bucket: "a".repeat(64) }]), BUCKET],
    ["taskRoles", appRole([{ bucket: "-bucket" }]), BUCKET],
    ["taskRoles", appRole([{ bucket: "bucket-" }]), BUCKET],
    ["taskRoles", appRole([{ bucket: "my bucket" }]), BUCKET],
    ["host.ecsVersion", "v1.89.0", VERSION],
    ["host.ecsVersion", "1.89.0-beta", VERSION],
    ["host.ecsVersion", "1.89", VERSION],
    ["host.ecsVersion", "latest-1", VERSION],
    ["host.ecsVersion", "my-latest", VERSION],
    ["host.ecsVersion", "1.89.2-", VERSION],
    ["host.ecsVersion", "1.89.2-1a", VERSION],
    ["host.ecsVersion", "1.89.2-1-1", VERSION],
    ["host.installScript.gpgKeyFile", "keys/ecs.asc", "must be an absolute path"],
    ["host.installScript.gpgKeyFile", "./ecs/ecs.asc", "must be an absolute path"],
    ["host.installScript.fingerprint", HEX40.slice(1), FINGERPRINT],
    ["host.installScript.fingerprint", `${HEX40}0`, FINGERPRINT],
    ["host.installScript.fingerprint", `${HEX40.slice(1)}g`, FINGERPRINT],
    ["host.installScript.timeout", "soon", '"soon" is not a duration (use e.g. 30m, 1h, 7d)'],
    ["host.verifyTimeout", "5 minutes", '"5 minutes" is not a duration (use e.g. 30m, 1h, 7d)'],
    ["ecsConfig", { "ECS-X": "1" }, ECS_KEY],
    ["ecsConfig", { "1ECS": "1" }, ECS_KEY],
    ["ecsConfig", { "ECS X": "1" }, ECS_KEY],
    ["ecsConfig", { ECS_X: "a\nECS_CLUSTER=evil" }, "must be one line"],
    ["ecsConfig", { ECS_X: "a\rb" }, "must be one line"],
    ["ecsConfig", { "-x": "1" }, ECS_KEY],
    ["ecsConfig", { "9_x": "1" }, ECS_KEY],
    ["ecsConfig", { ECS_CONTAINER_STOP_TIMEOUT: " 30m" }, SPACE],
    ["ecsConfig", { ECS_CONTAINER_STOP_TIMEOUT: "30m " }, SPACE],
    ["ecsConfig", { ECS_X: "\ta" }, SPACE],
    ["ecsConfig", { ECS_X: " " }, SPACE],
    ["tags", { "cost#center": "x" }, TAG],
    ["tags", { team: "a#b" }, TAG],
    ["host.instanceTags", { team: "#" }, TAG],
    ["activation.tags", { "#": "x" }, TAG],
    ["activation.expiresIn", "59s", EXPIRY],
    ["activation.expiresIn", "30d1s", EXPIRY],
    ["activation.expiresIn", "tomorrow", '"tomorrow" is not a duration (use e.g. 30m, 1h, 7d)'],
  ];
  for (const [path, value, message] of rejected) {
    it(title(path, value), () => {
      const found = problems(at(path, value));
      expect(found).toHaveLength(1);
      expect(found[0]?.startsWith(path)).toBe(true);
      expect(found[0]?.endsWith(`: ${message}`)).toBe(true);
    });
  }

  const outOfRange: [string, unknown][] = [
    ["region", ""],
    ["cluster", ""],
    ["profile", ""],
    ["instanceRole.name", ""],
    ["instanceRole.permissions", "admin"],
    ["executionRole.path", `/${"a".repeat(511)}/`],
    ["tags", { "": "x" }],
    ["tags", { ["k".repeat(129)]: "x" }],
    ["tags", { k: "v".repeat(257) }],
    ["taskRoles", appRole([{ bucket: "abc", prefix: "p".repeat(1025) }])],
    ["taskRoles", appRole([{ bucket: "abc", access: "admin" }])],
    ["host.ecsLogLevel", "verbose"],
    ["host.instanceAttributes", { "": "x" }],
    ["host.instanceAttributes", { ["k".repeat(129)]: "x" }],
    ["host.instanceAttributes", { k: "v".repeat(129) }],
    ["host.reservedMemoryMiB", -1],
    ["host.reservedMemoryMiB", 65536],
    ["host.reservedMemoryMiB", 1.5],
    ["host.dockerInstallSource", "snap"],
    ["host.installScript.url", "ftp://mirror.internal/install.sh"],
    ["host.installScript.url", "file:///srv/install.sh"],
    ["host.installScript.url", "git+https://mirror.internal/install.sh"],
    ["host.installScript.url", "httpx://mirror.internal/install.sh"],
    ["host.installScript.url", "not a url"],
    ["host.installScript.gpgKeyUrl", "ftp://mirror.internal/ecs.asc"],
    ["host.installScript.gpgKeyUrl", "file:///srv/ecs.asc"],
    ["host.installScript.gpgKeyUrl", "git+https://mirror.internal/ecs.asc"],
    ["host.installScript.gpgKeyUrl", "httpx://mirror.internal/ecs.asc"],
    ["activation.registrationLimit", 0],
    ["activation.registrationLimit", 1001],
    ["activation.registrationLimit", 2.5],
    ["activation.defaultInstanceName", ""],
    ["activation.defaultInstanceName", "n".repeat(257)],
    ["activation.description", "d".repeat(257)],
  ];
  for (const [path, value] of outOfRange) {
    it(`${title(path, value)} (out of range or not allowed)`, () => {
      const found = problems(at(path, value));
      expect(found.length).toBeGreaterThan(0);
      for (const problem of found) expect(problem.startsWith(path)).toBe(true);
    });
  }
});
