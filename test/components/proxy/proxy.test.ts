import { describe, expect, it } from "vitest";
import { bypassesProxy } from "../../../src/adapters/aws/proxy-agent.ts";
import { desiredKeys } from "../../../src/components/ecs-agent/config-files.ts";
import {
  type DropInFiles,
  describeDropIn,
  planDropIns,
  proxyToRemove,
} from "../../../src/components/proxy/converge.ts";
import {
  dockerDropIn,
  dropInPath,
  dropInSource,
  PROXY_ECS_KEYS,
  proxyEcsConfigKeys,
  scriptProxyEnv,
  ssmDropIn,
} from "../../../src/components/proxy/render.ts";
import {
  endpointNoProxy,
  MANDATORY_NO_PROXY,
  type ProxySettings,
  proxySecrets,
  resolveProxy,
} from "../../../src/components/proxy/settings.ts";
import { describeConfig } from "../../../src/config/load.ts";
import { configSchema } from "../../../src/config/schema.ts";
import { mergeEcsConfig } from "../../../src/ecsconfig/merge.ts";
import { UsageError } from "../../../src/errors.ts";
import { Redactor } from "../../../src/util/redact.ts";

const PASSWORD = "S3cr%40t-proxy-pass";
const URL_WITH_PASSWORD = `http://edge-user:${PASSWORD}@proxy.example.net:3128`;

const fromConfig = (proxy: unknown): ProxySettings | undefined =>
  resolveProxy(configSchema.parse({ proxy }), {});

function problems(proxy: unknown): string[] {
  const result = configSchema.safeParse({ proxy });
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("the proxy config section", () => {
  it("takes https, http and noProxy; either URL alone serves both schemes; NO_PROXY starts with the mandatory entries", () => {
    expect(fromConfig({ https: "http://proxy:3128", noProxy: [".corp.example", "10.0.0.0/8"] })).toEqual({
      http: "http://proxy:3128",
      https: "http://proxy:3128",
      noProxy: ["169.254.169.254", "169.254.170.2", "/var/run/docker.sock", ".corp.example", "10.0.0.0/8"],
      source: "config",
    });
    expect(
      fromConfig({ http: "http://a:1", https: "http://b:2", noProxy: ["169.254.169.254"] }),
    ).toMatchObject({
      http: "http://a:1",
      https: "http://b:2",
      noProxy: [...MANDATORY_NO_PROXY],
    });
  });

  it("refuses what no consumer could use, without echoing the URL", () => {
    expect(problems({})).toEqual(["proxy: needs https or http (either alone serves both)"]);
    expect(problems({ https: "https://proxy:3128" })[0]).toMatch(/^proxy\.https: must be an http:\/\/ URL/);
    expect(problems({ https: "http://proxy:3128/path" })[0]).toMatch(/must not have a path/);
    expect(problems({ http: 'http://u:p"w@proxy:1' })[0]).toMatch(/without quotes/);
    expect(problems({ https: "http://proxy:1", noProxy: ["a.example,b.example"] })[0]).toMatch(
      /^proxy\.noProxy\.0: must be one host/,
    );
    expect(problems({ https: "http://proxy:1", extra: 1 })[0]).toMatch(/unknown keys: extra/);
    for (const line of problems({ https: `https://edge-user:${PASSWORD}@proxy:1` })) {
      expect(line).not.toContain(PASSWORD);
    }
  });

  it("masks the password in `config validate`'s description", () => {
    const described = JSON.stringify(
      describeConfig(configSchema.parse({ proxy: { https: URL_WITH_PASSWORD } })),
    );
    expect(described).toContain("http://edge-user:****@proxy.example.net:3128");
    expect(described).not.toContain(PASSWORD);
  });
});

describe("the environment fallback", () => {
  it("reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY, upper case first, when the config has no proxy section", () => {
    expect(
      resolveProxy(
        {},
        { https_proxy: "http://lower:1", HTTPS_PROXY: "http://upper:2", no_proxy: "a.example, b.example" },
      ),
    ).toEqual({
      http: "http://upper:2",
      https: "http://upper:2",
      noProxy: [...MANDATORY_NO_PROXY, "a.example", "b.example"],
      source: "environment",
    });
    expect(resolveProxy({}, { http_proxy: "proxy.corp:3128" })?.https).toBe("http://proxy.corp:3128");
    expect(resolveProxy({}, { HTTPS_PROXY: "" })).toBeUndefined();
  });

  it("the config wins over the environment", () => {
    const config = configSchema.parse({ proxy: { https: "http://config:1" } });
    expect(resolveProxy(config, { HTTPS_PROXY: "http://env:2" })?.https).toBe("http://config:1");
  });

  it("a variable that is no proxy URL is bad input, named without its value", () => {
    const bad = () => resolveProxy({}, { HTTPS_PROXY: `socks5://u:${PASSWORD}@proxy:1080` });
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow(/^HTTPS_PROXY \(the proxy fallback\): must be an http:\/\/ URL/);
    try {
      bad();
    } catch (error) {
      expect(String(error)).not.toContain(PASSWORD);
    }
  });

  it("the secrets of a proxy URL: the password as written and decoded, and user:password", () => {
    expect(proxySecrets(fromConfig({ https: URL_WITH_PASSWORD }))).toEqual([
      PASSWORD,
      `edge-user:${PASSWORD}`,
      "S3cr@t-proxy-pass",
    ]);
    expect(proxySecrets(fromConfig({ https: "http://proxy:3128" }))).toEqual([]);
  });
});

const proxy = fromConfig({ https: URL_WITH_PASSWORD, noProxy: [".corp.example"] }) as ProxySettings;

describe("what each consumer is given (pure planners)", () => {
  it("ecs.config: HTTP_PROXY, HTTPS_PROXY and NO_PROXY as plain values, the typed keys' order kept", () => {
    const keys = desiredKeys(configSchema.parse({ cluster: "edge" }), "eu-west-1", proxy);
    expect(Object.keys(keys)).toEqual([
      "ECS_CLUSTER",
      "AWS_DEFAULT_REGION",
      "ECS_LOGLEVEL",
      "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE",
      ...PROXY_ECS_KEYS,
    ]);
    expect(proxyEcsConfigKeys(proxy)).toEqual({
      HTTP_PROXY: URL_WITH_PASSWORD,
      HTTPS_PROXY: URL_WITH_PASSWORD,
      NO_PROXY: "169.254.169.254,169.254.170.2,/var/run/docker.sock,.corp.example",
    });
  });

  it("drop-ins escape % as %% (systemd specifiers) and carry the agent's marker with the source", () => {
    const docker = dockerDropIn(proxy);
    expect(docker).toContain(
      'Environment="HTTPS_PROXY=http://edge-user:S3cr%%40t-proxy-pass@proxy.example.net:3128"',
    );
    expect(docker).not.toMatch(/[^%]%[^%]/);
    expect(dropInSource(docker)).toBe("config");
    expect(dropInSource("[Service]\nEnvironment=HTTP_PROXY=x\n")).toBeUndefined();
    const ssm = ssmDropIn(proxy, "amazon-ssm-agent");
    const env = [...ssm.matchAll(/^Environment="([A-Za-z_]+)=(.*)"$/gm)].map((m) => [m[1], m[2]]);
    const byName = Object.fromEntries(env);
    expect(Object.keys(byName).sort()).toEqual(
      ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"].sort(),
    );
    for (const name of ["http_proxy", "https_proxy", "no_proxy"]) {
      expect(byName[name]).toBe(byName[name.toUpperCase()]);
    }
  });

  it("the install script's environment adds localhost to no_proxy (field notes §10.6)", () => {
    expect(scriptProxyEnv(proxy).no_proxy).toBe(
      "localhost,127.0.0.1,169.254.169.254,169.254.170.2,/var/run/docker.sock,.corp.example",
    );
    expect(scriptProxyEnv(undefined)).toEqual({});
  });

  it("mergeEcsConfig takes the proxy keys out once they are absent, and converges", () => {
    const before = `ECS_CLUSTER=edge\nHTTP_PROXY=${URL_WITH_PASSWORD}\nHTTPS_PROXY=x\nNO_PROXY=y\nMY_KEY=1\n`;
    const merged = mergeEcsConfig(before, { ECS_CLUSTER: "edge" }, PROXY_ECS_KEYS);
    expect(merged.text).toBe("ECS_CLUSTER=edge\nMY_KEY=1\n");
    expect(merged.changes).toEqual(
      PROXY_ECS_KEYS.map((key) => `removed ${key} (the agent set it; the config no longer asks for it)`),
    );
    expect(mergeEcsConfig(merged.text, { ECS_CLUSTER: "edge" }, PROXY_ECS_KEYS).changes).toEqual([]);
  });
});

const DOCKER = dropInPath("docker");
const SSM = dropInPath("amazon-ssm-agent");
const SNAP = dropInPath("snap.amazon-ssm-agent.amazon-ssm-agent");
const files = (entries: Record<string, string>): DropInFiles =>
  new Map([DOCKER, SSM, SNAP].map((path) => [path, entries[path]]));

describe("planDropIns", () => {
  it("writes docker's and the SSM unit's in use; a second plan over the result changes nothing", () => {
    const plans = planDropIns(proxy, files({}), "amazon-ssm-agent", "any");
    expect(plans.filter((p) => p.changed).map((p) => p.path)).toEqual([DOCKER, SSM]);
    const after = files(
      Object.fromEntries(plans.filter((p) => p.next).map((p) => [p.path, p.next as string])),
    );
    expect(planDropIns(proxy, after, "amazon-ssm-agent", "any").some((p) => p.changed)).toBe(false);
  });

  it("snap aware: the snap unit's drop-in, and the agent's own file of the other unit goes", () => {
    const old = files({ [SSM]: ssmDropIn(proxy, "amazon-ssm-agent") });
    const plans = planDropIns(proxy, old, "snap.amazon-ssm-agent.amazon-ssm-agent", "any");
    expect(
      plans.filter((p) => p.changed).map((p) => [p.path, p.next === undefined ? "remove" : "write"]),
    ).toEqual([
      [DOCKER, "write"],
      [SSM, "remove"],
      [SNAP, "write"],
    ]);
  });

  it("without a proxy only the agent's own files go; an operator's file of the same name stays", () => {
    const operators = "[Service]\nEnvironment=HTTP_PROXY=http://theirs:1\n";
    const plans = planDropIns(
      undefined,
      files({ [DOCKER]: dockerDropIn(proxy), [SSM]: operators }),
      "amazon-ssm-agent",
      "any",
    );
    expect(plans.filter((p) => p.changed).map((p) => p.path)).toEqual([DOCKER]);
    expect(plans.find((p) => p.path === SSM)?.next).toBe(operators);
  });

  it("the daemon's scope removes what the config put there, never what register took from its environment", () => {
    const fromEnv = resolveProxy({}, { HTTPS_PROXY: "http://env-proxy:3128" }) as ProxySettings;
    const envFiles = files({ [DOCKER]: dockerDropIn(fromEnv) });
    expect(proxyToRemove(envFiles, "config")).toBe(false);
    expect(proxyToRemove(envFiles, "any")).toBe(true);
    expect(planDropIns(undefined, envFiles, "amazon-ssm-agent", "config").some((p) => p.changed)).toBe(false);
    expect(proxyToRemove(files({ [DOCKER]: dockerDropIn(proxy) }), "config")).toBe(true);
  });

  it("plans show a diff with the password masked, also for a file only the host holds", () => {
    const [docker] = planDropIns(proxy, files({}), "amazon-ssm-agent", "any");
    const shown = describeDropIn(docker as never, new Redactor()).join("\n");
    expect(shown).toContain('+ Environment="HTTPS_PROXY=http://edge-user:****@proxy.example.net:3128"');
    expect(shown).not.toContain("S3cr");
    const [removal] = planDropIns(
      undefined,
      files({ [DOCKER]: dockerDropIn(proxy) }),
      "amazon-ssm-agent",
      "any",
    );
    expect(describeDropIn(removal as never, new Redactor()).join("\n")).not.toContain("S3cr");
  });
});

describe("the configured endpoints' hosts in NO_PROXY (proxy.bypassEndpoints)", () => {
  const SSM = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com";
  const ECS = "https://ecs-fips.us-east-1.amazonaws.com:8443";
  const SSM_HOST = "vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com";
  const ECS_HOST = "ecs-fips.us-east-1.amazonaws.com";
  const parsed = (proxy: unknown) => configSchema.parse({ endpoints: { ecs: ECS, ssm: SSM }, proxy });

  it("endpointNoProxy: each configured endpoint's host, in the table's order, without port; none when opted out", () => {
    expect(endpointNoProxy(parsed({ https: "http://proxy:3128" }))).toEqual([SSM_HOST, ECS_HOST]);
    expect(endpointNoProxy(parsed(undefined))).toEqual([SSM_HOST, ECS_HOST]);
    expect(endpointNoProxy(parsed({ https: "http://proxy:3128", bypassEndpoints: false }))).toEqual([]);
    expect(endpointNoProxy(configSchema.parse({ proxy: { https: "http://proxy:3128" } }))).toEqual([]);
    expect(endpointNoProxy({})).toEqual([]);
  });

  it("join the config's NO_PROXY after the operator's entries, once each; bypassEndpoints defaults to true", () => {
    const config = parsed({ https: "http://proxy:3128", noProxy: [".corp.example", SSM_HOST] });
    expect(config.proxy?.bypassEndpoints).toBe(true);
    expect(resolveProxy(config, {})?.noProxy).toEqual([
      ...MANDATORY_NO_PROXY,
      ".corp.example",
      SSM_HOST,
      ECS_HOST,
    ]);
    const kept = parsed({ https: "http://proxy:3128", noProxy: [".corp.example"], bypassEndpoints: false });
    expect(resolveProxy(kept, {})?.noProxy).toEqual([...MANDATORY_NO_PROXY, ".corp.example"]);
  });

  it("join the environment's NO_PROXY too, when the proxy comes from there", () => {
    const settings = resolveProxy(parsed(undefined), {
      HTTPS_PROXY: "http://env:3128",
      NO_PROXY: "a.example",
    });
    expect(settings?.noProxy).toEqual([...MANDATORY_NO_PROXY, "a.example", SSM_HOST, ECS_HOST]);
  });

  it("every consumer gets them: ecs.config, both drop-ins, the install script, and the SDK goes direct", () => {
    const settings = resolveProxy(parsed({ https: "http://proxy:3128" }), {}) as ProxySettings;
    const expected = [...MANDATORY_NO_PROXY, SSM_HOST, ECS_HOST].join(",");
    expect(proxyEcsConfigKeys(settings).NO_PROXY).toBe(expected);
    expect(dockerDropIn(settings)).toContain(`Environment="NO_PROXY=${expected}"\n`);
    expect(ssmDropIn(settings, "amazon-ssm-agent")).toContain(`Environment="no_proxy=${expected}"\n`);
    expect(scriptProxyEnv(settings).no_proxy).toBe(`localhost,127.0.0.1,${expected}`);
    expect(bypassesProxy(settings.noProxy, ECS_HOST, 8443)).toBe(true);
    expect(bypassesProxy(settings.noProxy, SSM_HOST, 443)).toBe(true);
    expect(bypassesProxy(settings.noProxy, "ssm.eu-west-1.amazonaws.com", 443)).toBe(false);
    const kept = resolveProxy(parsed({ https: "http://proxy:3128", bypassEndpoints: false }), {});
    expect(bypassesProxy(kept?.noProxy ?? [], SSM_HOST, 443)).toBe(false);
  });

  it("bypassEndpoints must be true or false", () => {
    expect(problems({ https: "http://proxy:3128", bypassEndpoints: "no" })).toEqual([
      expect.stringMatching(/^proxy\.bypassEndpoints: /),
    ]);
  });
});

describe("bypassesProxy (Go's NO_PROXY rules, for the agent's own SDK calls)", () => {
  it.each([
    [["*"], "ssm.eu-west-1.amazonaws.com", 443, true],
    [["169.254.169.254"], "169.254.169.254", 80, true],
    [["10.0.0.0/8"], "10.1.2.3", 443, true],
    [["10.0.0.0/8"], "11.1.2.3", 443, false],
    // A block without its bits is no block (it used to read as /0, which covers every address).
    [["10.0.0.0/"], "11.1.2.3", 443, false],
    [["10.0.0.0/33"], "10.1.2.3", 443, false],
    [["amazonaws.com"], "ssm.eu-west-1.amazonaws.com", 443, true],
    [["amazonaws.com"], "amazonaws.com", 443, true],
    [[".amazonaws.com"], "amazonaws.com", 443, false],
    [["vpce.example:443"], "vpce.example", 443, true],
    [["vpce.example:443"], "vpce.example", 8443, false],
    [["/var/run/docker.sock"], "127.0.0.1", 80, false],
    [["notamazonaws.com"], "ssm.amazonaws.com", 443, false],
  ] as const)("%j, %s:%i -> %s", (list, host, port, expected) => {
    expect(bypassesProxy(list, host, port)).toBe(expected);
  });
});
