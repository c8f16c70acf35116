import { describe, expect, it } from "vitest";
import { desiredEcsConfig } from "../../src/ecsconfig/desired.ts";
import { validateEcsConfigValues } from "../../src/ecsconfig/validate.ts";

const problemKeys = (values: Record<string, string>) => validateEcsConfigValues(values).map(({ key }) => key);

describe("validateEcsConfigValues", () => {
  it("accepts what desiredEcsConfig produces", () => {
    const desired = desiredEcsConfig({
      cluster: "prod-eu_1",
      region: "eu-west-1",
      logLevel: "debug",
      instanceTags: { team: "payments" },
      instanceAttributes: { rack: "r1" },
      enableGpu: true,
      reservedMemoryMiB: 256,
    });
    expect(validateEcsConfigValues(desired)).toEqual([]);
  });

  it("rejects invalid JSON tags and names the key", () => {
    const problems = validateEcsConfigValues({ ECS_CONTAINER_INSTANCE_TAGS: "{team: payments}" });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe("ECS_CONTAINER_INSTANCE_TAGS");
    expect(problems[0]?.message).toMatch(/^ECS_CONTAINER_INSTANCE_TAGS must be a JSON object/);
  });

  it("rejects tags that are not string to string or exceed the ECS limits", () => {
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: '{"n":1}' })).toEqual(["ECS_CONTAINER_INSTANCE_TAGS"]);
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: '["a"]' })).toEqual(["ECS_CONTAINER_INSTANCE_TAGS"]);
    const longKey = JSON.stringify({ ["k".repeat(129)]: "v" });
    const longValue = JSON.stringify({ k: "v".repeat(257) });
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: longKey })).toHaveLength(1);
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: longValue })).toHaveLength(1);
    const atLimits = JSON.stringify({ ["k".repeat(128)]: "v".repeat(256) });
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: atLimits })).toEqual([]);
  });

  it("never echoes the value of a secret key, however it is broken", () => {
    const secret = "dXNlcjpzM2NyM3QtcmVnaXN0cnktcGFzc3dvcmQ";
    const problems = [
      ...validateEcsConfigValues(new Map([["ECS_ENGINE_AUTH_DATA", `{"auth":"${secret}"`]])),
      ...validateEcsConfigValues(new Map([["ECS_ENGINE_AUTH_DATA", `{"auth":"${secret}"}\nX=1`]])),
    ];
    expect(problems.map(({ key }) => key)).toEqual(["ECS_ENGINE_AUTH_DATA", "ECS_ENGINE_AUTH_DATA"]);
    expect(JSON.stringify(problems)).not.toContain(secret.slice(0, 8));
  });

  it("collects every problem instead of stopping at the first", () => {
    const keys = problemKeys({
      ECS_CLUSTER: "prod cluster",
      ECS_INSTANCE_ATTRIBUTES: "rack=r1",
      ECS_RESERVED_PORTS: "[22, 70000]",
      ECS_ENABLE_TASK_IAM_ROLE: "yes",
      ECS_EXTERNAL: "on",
      ECS_LOGLEVEL: "verbose",
      ECS_IMAGE_PULL_BEHAVIOR: "never",
      ECS_CONTAINER_STOP_TIMEOUT: "30",
      ECS_RESERVED_MEMORY: "256MiB",
      "#ECS_LOGLEVEL": "debug",
      "1st_key": "x",
    });
    expect(keys).toEqual([
      "ECS_CLUSTER",
      "ECS_INSTANCE_ATTRIBUTES",
      "ECS_RESERVED_PORTS",
      "ECS_ENABLE_TASK_IAM_ROLE",
      "ECS_EXTERNAL",
      "ECS_LOGLEVEL",
      "ECS_IMAGE_PULL_BEHAVIOR",
      "ECS_CONTAINER_STOP_TIMEOUT",
      "ECS_RESERVED_MEMORY",
      "#ECS_LOGLEVEL",
      "1st_key",
    ]);
  });

  it("accepts every spelling of a boolean that Go's ParseBool accepts", () => {
    for (const value of ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"]) {
      expect(problemKeys({ ECS_ENABLE_GPU_SUPPORT: value, ECS_EXTERNAL: value })).toEqual([]);
    }
    expect(problemKeys({ ECS_ENABLE_GPU_SUPPORT: "tRuE" })).toEqual(["ECS_ENABLE_GPU_SUPPORT"]);
  });

  it("accepts Go durations and rejects other spellings", () => {
    for (const value of ["30s", "2m", "1h30m", "1.5s", "500ms", "0"]) {
      expect(problemKeys({ ECS_CONTAINER_STOP_TIMEOUT: value })).toEqual([]);
    }
    for (const value of ["30", "s", "2 m", "1d", ""]) {
      expect(problemKeys({ ECS_CONTAINER_STOP_TIMEOUT: value })).toEqual(["ECS_CONTAINER_STOP_TIMEOUT"]);
    }
  });

  it("rejects a line break in any value, which would inject another key", () => {
    expect(problemKeys({ HTTP_PROXY: "http://p:3128\nECS_CLUSTER=evil" })).toEqual(["HTTP_PROXY"]);
  });

  it("limits cluster names to 1-255 letters, digits, hyphens and underscores", () => {
    expect(problemKeys({ ECS_CLUSTER: "" })).toEqual(["ECS_CLUSTER"]);
    expect(problemKeys({ ECS_CLUSTER: "a".repeat(255) })).toEqual([]);
    expect(problemKeys({ ECS_CLUSTER: "a".repeat(256) })).toEqual(["ECS_CLUSTER"]);
  });
});

const messages = (values: Record<string, string>) =>
  validateEcsConfigValues(values).map(({ message }) => message);

describe("validateEcsConfigValues reads keys", () => {
  it("names a key ecs-init would misread and says what a key may contain", () => {
    expect(messages({ "ECS-CLUSTER": "prod", "ECS_CLUSTER ": "prod" })).toEqual([
      '"ECS-CLUSTER" is not a valid ecs.config key (letters, digits and "_", not starting with a digit)',
      '"ECS_CLUSTER " is not a valid ecs.config key (letters, digits and "_", not starting with a digit)',
    ]);
  });

  it("accepts lower-case keys such as http_proxy and no_proxy (field notes §8.8)", () => {
    expect(messages({ http_proxy: "http://proxy:3128", no_proxy: "169.254.169.254", _x: "1" })).toEqual([]);
  });

  it("accepts keys it has no rule for with any one-line value", () => {
    expect(
      messages({ HTTP_PROXY: "http://proxy:3128", NO_PROXY: "169.254.169.254", MY_FLAG: "yes" }),
    ).toEqual([]);
  });

  it("checks every ECS_ENABLE_* key it does not know as a boolean, and only those", () => {
    expect(messages({ ECS_ENABLE_SOMETHING_NEW: "maybe", SOMETHING_ECS_ENABLE_: "maybe" })).toEqual([
      "ECS_ENABLE_SOMETHING_NEW must be a boolean (true or false) (got: maybe)",
    ]);
  });

  it("rejects a carriage return as well as a newline in a value", () => {
    expect(messages({ HTTP_PROXY: "a\rb", NO_PROXY: "a\nb" })).toEqual([
      "the value of HTTP_PROXY must not contain a line break",
      "the value of NO_PROXY must not contain a line break",
    ]);
  });

  it("reads a Map the same way as a plain object", () => {
    expect(validateEcsConfigValues(new Map([["ECS_EXTERNAL", "on"]]))).toEqual([
      { key: "ECS_EXTERNAL", message: "ECS_EXTERNAL must be a boolean (true or false) (got: on)" },
    ]);
  });
});

describe("validateEcsConfigValues explains each rule in its message", () => {
  it.each([
    [
      "ECS_CLUSTER",
      "prod cluster",
      "must be 1-255 letters, digits, hyphens or underscores (got: prod cluster)",
    ],
    ["ECS_CLUSTER", "", "must be 1-255 letters, digits, hyphens or underscores (got: (empty))"],
    ["ECS_EXTERNAL", "on", "must be a boolean (true or false) (got: on)"],
    [
      "ECS_LOGLEVEL",
      "verbose",
      "must be one of crit|error|warn|info|debug|none (in any case) (got: verbose)",
    ],
    [
      "ECS_LOGLEVEL_ON_INSTANCE",
      "trace",
      "must be one of crit|error|warn|info|debug|none (in any case) (got: trace)",
    ],
    ["ECS_IMAGE_PULL_BEHAVIOR", "never", "must be one of default|always|once|prefer-cached (got: never)"],
    ["ECS_CONTAINER_STOP_TIMEOUT", "30", 'must be a Go duration such as "30s" or "2m" (got: 30)'],
    ["ECS_RESERVED_MEMORY", "256MiB", "must be a whole number of MiB (got: 256MiB)"],
    [
      "ECS_RESERVED_PORTS",
      "[22, 70000]",
      "must be a JSON array of port numbers, e.g. [22,2375,2376,51678,51679] (got: [22, 70000])",
    ],
    [
      "ECS_INSTANCE_ATTRIBUTES",
      "rack=r1",
      'must be a JSON object of strings, e.g. {"team":"payments"} (got: rack=r1)',
    ],
    ["ECS_ENGINE_AUTH_DATA", "{not json", "must be valid JSON"],
  ])("%s=%s", (key, value, message) => {
    expect(messages({ [key]: value })).toEqual([`${key} ${message}`]);
  });

  it("shortens a long value it quotes", () => {
    const [message] = messages({ ECS_CLUSTER: "x".repeat(300) });
    expect(message).toBe(
      `ECS_CLUSTER must be 1-255 letters, digits, hyphens or underscores (got: ${"x".repeat(77)}...)`,
    );
  });
});

describe("validateEcsConfigValues enumerations", () => {
  it.each(["crit", "error", "warn", "info", "debug", "none", "DEBUG", "None", "CRIT"])(
    "accepts ECS_LOGLEVEL=%s and ECS_LOGLEVEL_ON_INSTANCE=%s, in any case as the agent does",
    (level) => {
      expect(problemKeys({ ECS_LOGLEVEL: level, ECS_LOGLEVEL_ON_INSTANCE: level })).toEqual([]);
    },
  );

  it.each(["critical", "off", "trace", "", " info"])("rejects ECS_LOGLEVEL=%j", (level) => {
    expect(problemKeys({ ECS_LOGLEVEL: level })).toEqual(["ECS_LOGLEVEL"]);
  });

  it.each(["default", "always", "once", "prefer-cached"])(
    "accepts ECS_IMAGE_PULL_BEHAVIOR=%s",
    (behavior) => {
      expect(problemKeys({ ECS_IMAGE_PULL_BEHAVIOR: behavior })).toEqual([]);
    },
  );
});

describe("validateEcsConfigValues durations (Go's time.ParseDuration)", () => {
  it.each(["30s", "-1.5h", "+2m", "1.s", ".5s", ".55s", "100ns", "10us", "10µs", "10μs", "250ms", "1h2m3s"])(
    "accepts %j",
    (value) => {
      expect(problemKeys({ ECS_CONTAINER_STOP_TIMEOUT: value })).toEqual([]);
    },
  );

  it.each(["30sx", "x30s", "30s 10m", "1d", ".s", "--1s", "1.5"])("rejects %j", (value) => {
    expect(problemKeys({ ECS_CONTAINER_STOP_TIMEOUT: value })).toEqual(["ECS_CONTAINER_STOP_TIMEOUT"]);
  });
});

describe("validateEcsConfigValues reserved memory", () => {
  it.each(["0", "7", "256", "65536"])("accepts %j MiB", (value) => {
    expect(problemKeys({ ECS_RESERVED_MEMORY: value })).toEqual([]);
  });

  it.each(["-256", "256x", "x256", "2.5", "", " 256"])("rejects %j", (value) => {
    expect(problemKeys({ ECS_RESERVED_MEMORY: value })).toEqual(["ECS_RESERVED_MEMORY"]);
  });
});

describe("validateEcsConfigValues reserved ports", () => {
  it.each(["[22,2375,2376,51678,51679]", "[0, 65535]", "[]", "[80]"])("accepts %s", (value) => {
    expect(problemKeys({ ECS_RESERVED_PORTS: value })).toEqual([]);
  });

  it.each([
    ["a port above 65535", "[65536]"],
    ["a negative port", "[-1]"],
    ["a fraction", "[22.5]"],
    ["a port written as a string", '["22"]'],
    ["a single number instead of a list", "22"],
    ["an object", '{"ssh":22}'],
    ["null", "null"],
    ["text that is not JSON", "22,80"],
  ])("rejects %s (%s)", (_, value) => {
    expect(problemKeys({ ECS_RESERVED_PORTS: value })).toEqual(["ECS_RESERVED_PORTS"]);
  });
});

describe("validateEcsConfigValues instance tags and attributes", () => {
  const tagProblem = (value: string) => messages({ ECS_CONTAINER_INSTANCE_TAGS: value });

  it.each([
    ["null", "null"],
    ["a number", "42"],
    ["a string", '"team"'],
    ["a list", '["a"]'],
  ])("says %s is not a JSON object of strings, without throwing", (_, value) => {
    expect(tagProblem(value)).toEqual([
      `ECS_CONTAINER_INSTANCE_TAGS must be a JSON object of strings, e.g. {"team":"payments"} (got: ${value})`,
    ]);
    expect(messages({ ECS_INSTANCE_ATTRIBUTES: value })).toHaveLength(1);
  });

  it("names a tag whose value is not a string", () => {
    expect(tagProblem('{"team":"payments","n":1}')).toEqual([
      'ECS_CONTAINER_INSTANCE_TAGS must map names to strings, but "n" is not a string (got: {"team":"payments","n":1})',
    ]);
    expect(messages({ ECS_INSTANCE_ATTRIBUTES: '{"n":null}' })).toHaveLength(1);
  });

  it("rejects an empty tag name and one longer than 128 characters, showing its first 40", () => {
    expect(tagProblem('{"":"v"}')).toEqual([
      'ECS_CONTAINER_INSTANCE_TAGS names must be 1-128 characters, but "" has 0 (got: {"":"v"})',
    ]);
    const longName = "n".repeat(129);
    expect(tagProblem(JSON.stringify({ [longName]: "v" }))[0]).toMatch(
      new RegExp(
        `^ECS_CONTAINER_INSTANCE_TAGS names must be 1-128 characters, but "${"n".repeat(40)}" has 129 `,
      ),
    );
  });

  it("rejects a tag value longer than 256 characters, naming the tag", () => {
    expect(tagProblem(JSON.stringify({ team: "v".repeat(257) }))[0]).toMatch(
      /^ECS_CONTAINER_INSTANCE_TAGS values must be at most 256 characters, but the one for "team" has 257 /,
    );
  });

  it("puts no length limit on attribute names and values, and accepts an empty object", () => {
    const long = JSON.stringify({ ["a".repeat(300)]: "v".repeat(300), "": "" });
    expect(messages({ ECS_INSTANCE_ATTRIBUTES: long })).toEqual([]);
    expect(messages({ ECS_INSTANCE_ATTRIBUTES: "{}", ECS_CONTAINER_INSTANCE_TAGS: "{}" })).toEqual([]);
  });
});

describe("validateEcsConfigValues refuses white space around a value (field notes §3.2)", () => {
  it.each([" 30m", "30m ", "\t30m", "30m\t", " ", "\u00a030m"])("rejects %j", (value) => {
    expect(messages({ ECS_CONTAINER_STOP_TIMEOUT: value, MY_KEY: value })).toEqual([
      "the value of ECS_CONTAINER_STOP_TIMEOUT must not begin or end with white space",
      "the value of MY_KEY must not begin or end with white space",
    ]);
  });

  it.each(["30m", "", "a b", "x\ty"])("accepts %j", (value) => {
    expect(problemKeys({ MY_KEY: value })).toEqual([]);
  });

  it("never shows the value of a secret key with white space around it", () => {
    const [problem] = validateEcsConfigValues({ AWS_SECRET_ACCESS_KEY: " planted-secret-value " });
    expect(problem?.message).toBe(
      "the value of AWS_SECRET_ACCESS_KEY must not begin or end with white space",
    );
  });
});

describe("validateEcsConfigValues registry credentials", () => {
  it("accepts any valid JSON in ECS_ENGINE_AUTH_DATA", () => {
    expect(messages({ ECS_ENGINE_AUTH_DATA: '{"https://index.docker.io/v1/":{"auth":"x"}}' })).toEqual([]);
  });
});
