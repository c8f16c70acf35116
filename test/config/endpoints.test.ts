import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { endpointFor as sdkEndpointFor } from "../../src/adapters/aws/client-wrappers.ts";
import { endpointFor, hostEndpoints } from "../../src/checks/endpoints.ts";
import { configuredEndpoints, ENDPOINT_USES, sdkEndpoints } from "../../src/config/endpoints.ts";
import { configSchema } from "../../src/config/schema.ts";
import { ENDPOINT_KEYS } from "../../src/config/schema-network.ts";
import { cli } from "../support/cli.ts";

const SSM = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com";

/** README's "Private endpoints" table, row by row: the key and the VPC endpoint service it names. */
function documentedEndpoints(): [string, string][] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const lines = readme.slice(readme.indexOf("\n## Private endpoints")).split("\n");
  const header = lines.findIndex((line) => line.startsWith("| key "));
  const end = lines.findIndex((line, index) => index > header && !line.startsWith("|"));
  return lines.slice(header + 2, end).map((row) => {
    const [key = "", service = ""] = row
      .split("|")
      .slice(1, 3)
      .map((cell) => /`([^`]+)`/.exec(cell)?.[1] ?? cell.trim());
    return [key, service];
  });
}

/** `config validate` on a file with `body`: exit code and the lines of stderr. */
async function validate(body: string): Promise<{ code: number; lines: string[]; stdout: string }> {
  const dir = await mkdtemp(join(tmpdir(), "ecsa-endpoints-"));
  const file = join(dir, "config.yaml");
  await writeFile(file, `region: eu-west-1\ncluster: edge\n${body}`);
  const run = await cli(["config", "validate", "--config", file], { AWS_CONFIG_FILE: join(dir, "none") });
  return { code: run.code, lines: run.stderr.trimEnd().split("\n"), stdout: run.stdout };
}

describe("endpoints: in the config", () => {
  it("takes one https URL per service and keeps scheme, host and port", () => {
    const parsed = configSchema.parse({
      endpoints: {
        ssm: `${SSM}/`,
        ecsAgent: "https://ECS-A.example.internal:8443",
        iam: "https://iam.amazonaws.com",
      },
    });
    expect(parsed.endpoints).toEqual({
      ssm: SSM,
      ecsAgent: "https://ecs-a.example.internal:8443",
      iam: "https://iam.amazonaws.com",
    });
    expect(configSchema.parse({}).endpoints).toEqual({});
  });

  it("takes exactly the services README documents, in its order, each with the VPC endpoint service it names", () => {
    // The list is operator-facing: its one copy outside the source is the README table operators read.
    expect(documentedEndpoints()).toEqual(ENDPOINT_KEYS.map((key) => [key, ENDPOINT_USES[key].vpcService]));
    const every = Object.fromEntries(
      ENDPOINT_KEYS.map((key) => [key, `https://${key.toLowerCase()}.example`]),
    );
    expect(Object.keys(configSchema.parse({ endpoints: every }).endpoints)).toEqual(ENDPOINT_KEYS);
  });

  it.each([
    ["http://ssm.eu-west-1.amazonaws.com", "endpoints.ssm: must be an https:// URL"],
    ["ssm.eu-west-1.amazonaws.com", "endpoints.ssm: must be an https:// URL"],
    [`${SSM}/path`, "endpoints.ssm: must be scheme, host and port only (no path, query or fragment)"],
    [`${SSM}?x=1`, "endpoints.ssm: must be scheme, host and port only"],
    ["https://user:secret@ssm.example", "endpoints.ssm: must not hold a user name or password"],
    ["42", "endpoints.ssm: must be"],
  ])("refuses %s with exit 2 and one line naming the key", async (value, message) => {
    const run = await validate(`endpoints:\n  ssm: "${value}"\n`);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const errors = run.lines.filter((line) => line.startsWith("error"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
    // A password in a URL is never echoed.
    expect(run.lines.join("\n")).not.toContain("secret");
  });

  it("refuses an unknown service with exit 2, naming it", async () => {
    const run = await validate(`endpoints:\n  ecsagent: "${SSM}"\n`);
    expect(run.code).toBe(2);
    expect(run.lines.find((line) => line.startsWith("error"))).toMatch(/endpoints.*ecsagent/);
  });
});

describe("which endpoint wins", () => {
  const endpoints = { ssm: SSM, sts: "https://sts.private.example", iam: "https://iam.private.example" };

  it("gives the SDK clients the config's SSM, ECS, STS and IAM endpoints, and nothing else", () => {
    expect(
      sdkEndpoints({ ...endpoints, ec2messages: "https://x.example", ecs: "https://ecs.example" }),
    ).toEqual({
      SSM: SSM,
      ECS: "https://ecs.example",
      STS: "https://sts.private.example",
      IAM: "https://iam.private.example",
    });
    expect(configuredEndpoints(undefined)).toEqual([]);
  });

  it("AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the config file, then the public endpoint", () => {
    const sdk = sdkEndpoints(endpoints);
    expect(sdkEndpointFor({}, "SSM", sdk)).toBe(SSM);
    expect(sdkEndpointFor({}, "ECS", sdk)).toBeUndefined();
    expect(sdkEndpointFor({ AWS_ENDPOINT_URL: "http://127.0.0.1:1" }, "SSM", sdk)).toBe("http://127.0.0.1:1");
    expect(
      sdkEndpointFor(
        { AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:2" },
        "SSM",
        sdk,
      ),
    ).toBe("http://127.0.0.1:2");
    // An empty variable is unset.
    expect(sdkEndpointFor({ AWS_ENDPOINT_URL_SSM: "" }, "SSM", sdk)).toBe(SSM);

    // Preflight resolves the same way.
    expect(endpointFor({}, "ssm", "eu-west-1", endpoints)).toBe(SSM);
    expect(endpointFor({ AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:2" }, "ssm", "eu-west-1", endpoints)).toBe(
      "http://127.0.0.1:2",
    );
    expect(endpointFor({}, "ecs", "eu-west-1", endpoints)).toBe("https://ecs.eu-west-1.amazonaws.com");
  });

  it("probes the configured endpoints of services without a fixed public host only when configured", () => {
    const probed = hostEndpoints({}, "eu-west-1", { ...endpoints, ecsAgent: "https://ecs-a.example" });
    expect(probed.map((e) => [e.name, e.configured ?? "-"])).toEqual([
      ["ssm", "ssm"],
      ["ec2messages", "-"],
      ["ssmmessages", "-"],
      ["ecs", "-"],
      ["ecr", "-"],
      ["s3", "-"],
      ["ecsAgent", "ecsAgent"],
      ["sts", "sts"],
      ["iam", "iam"],
    ]);
    // AWS_ENDPOINT_URL (the emulator in tests) wins for a service the SDK knows, not for ecs-agent.
    const overridden = hostEndpoints({ AWS_ENDPOINT_URL: "http://127.0.0.1:9" }, "eu-west-1", {
      sts: "https://sts.private.example",
      ecsAgent: "https://ecs-a.example",
    });
    expect(overridden.find((e) => e.name === "sts")).toEqual({ name: "sts", url: "http://127.0.0.1:9" });
    expect(overridden.find((e) => e.name === "ecsAgent")?.url).toBe("https://ecs-a.example");
  });
});
