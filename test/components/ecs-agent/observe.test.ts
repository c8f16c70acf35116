import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import type { AgentMetadata, IntrospectionClient } from "../../../src/adapters/host/introspection.ts";
import { ECS_AGENT } from "../../../src/components/ecs-agent/files.ts";
import {
  type EcsAgentObservation,
  membership,
  observeEcsAgent,
  readEcsConfigFiles,
  registeredCluster,
} from "../../../src/components/ecs-agent/observe.ts";

/** The ECS agent's observation and the one membership rule (test/flows/register/mode.test.ts has the modes). */

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";
const running = (cluster: string, arn: string | null = ARN): AgentMetadata => ({
  state: "ok",
  cluster,
  containerInstanceArn: arn,
  version: "Amazon ECS Agent - v1.89.0",
});
const down: AgentMetadata = { state: "unreachable", error: "connection refused" };

function observed(overrides: Partial<EcsAgentObservation>): EcsAgentObservation {
  return {
    metadata: down,
    configuredCluster: undefined,
    ecsConfigText: undefined,
    ecsConfigLibText: undefined,
    ecsInitInstalled: false,
    agentDbPresent: false,
    ...overrides,
  };
}

describe("registeredCluster", () => {
  it.each<[string, AgentMetadata, string | undefined]>([
    ["an agent that does not answer", down, undefined],
    ["an agent that answers without a container instance", running("edge", null), undefined],
    ["a registered agent, by name", running("edge"), "edge"],
    [
      "a registered agent, by cluster ARN",
      running("arn:aws:ecs:eu-west-1:123456789012:cluster/edge"),
      "edge",
    ],
  ])("%s", (_name, metadata, cluster) => {
    expect(registeredCluster({ metadata })).toBe(cluster);
  });
});

describe("membership says what it relied on", () => {
  it.each<[string, Partial<EcsAgentObservation>, { cluster: string; source: string; confirmed: boolean }]>([
    [
      "the running agent",
      { metadata: running("edge"), agentDbPresent: true, configuredCluster: "other" },
      { cluster: "edge", source: "the running ECS agent", confirmed: true },
    ],
    [
      "ECS_CLUSTER in /etc/ecs/ecs.config",
      { agentDbPresent: true, configuredCluster: "edge", ecsConfigText: "ECS_CLUSTER=edge\n" },
      {
        cluster: "edge",
        source: "/etc/ecs/ecs.config; the agent is not answering to confirm it",
        confirmed: false,
      },
    ],
    [
      "ECS_CLUSTER only in /var/lib/ecs/ecs.config",
      {
        agentDbPresent: true,
        configuredCluster: "edge",
        ecsConfigText: "ECS_LOGLEVEL=info\n",
        ecsConfigLibText: "ECS_CLUSTER=edge\n",
      },
      {
        cluster: "edge",
        source: "/var/lib/ecs/ecs.config; the agent is not answering to confirm it",
        confirmed: false,
      },
    ],
    [
      "no ECS_CLUSTER anywhere: ecs-init's default",
      { agentDbPresent: true, ecsConfigText: "ECS_LOGLEVEL=info\n" },
      {
        cluster: "default",
        source: "the ECS default; the agent is not answering to confirm it",
        confirmed: false,
      },
    ],
    [
      "an empty ECS_CLUSTER: ecs-init's default",
      { agentDbPresent: true, configuredCluster: "", ecsConfigText: "ECS_CLUSTER=\n" },
      {
        cluster: "default",
        source: "the ECS default; the agent is not answering to confirm it",
        confirmed: false,
      },
    ],
  ])("%s", (_name, overrides, expected) => {
    expect(membership(observed(overrides))).toStrictEqual(expected);
  });
});

describe("observing the ECS agent under the host root", () => {
  let root: string;
  let fs: HostFs;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "ecs-agent-observe-"));
    fs = new HostFs(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  async function put(file: string, text = ""): Promise<void> {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  const agent = (metadata: AgentMetadata) =>
    ({ metadata: async () => metadata }) as unknown as IntrospectionClient;

  it("a bare host: nothing installed, configured or answering", async () => {
    expect(await observeEcsAgent(fs, agent(down))).toStrictEqual({
      metadata: down,
      configuredCluster: undefined,
      ecsConfigText: undefined,
      ecsConfigLibText: undefined,
      ecsInitInstalled: false,
      agentDbPresent: false,
    });
  });

  it("reads both files, ecs-init and agent.db; /etc/ecs/ecs.config's ECS_CLUSTER wins", async () => {
    await put(ECS_AGENT.config, "ECS_CLUSTER=edge\n");
    await put(ECS_AGENT.configLib, "ECS_CLUSTER=lib\n");
    await put(ECS_AGENT.ecsInit);
    await put(ECS_AGENT.agentDb);
    expect(await observeEcsAgent(fs, agent(running("edge")))).toStrictEqual({
      metadata: running("edge"),
      configuredCluster: "edge",
      ecsConfigText: "ECS_CLUSTER=edge\n",
      ecsConfigLibText: "ECS_CLUSTER=lib\n",
      ecsInitInstalled: true,
      agentDbPresent: true,
    });
  });

  it.each<[string, string | undefined, string | undefined, string | undefined]>([
    ["only /var/lib/ecs/ecs.config sets it", "ECS_LOGLEVEL=info\n", "ECS_CLUSTER=lib\n", "lib"],
    ["no /etc/ecs/ecs.config at all", undefined, "ECS_CLUSTER=lib\n", "lib"],
    ["only /etc/ecs/ecs.config exists", "ECS_CLUSTER=edge\n", undefined, "edge"],
    ["neither sets it", "ECS_LOGLEVEL=info\n", "ECS_LOGLEVEL=info\n", undefined],
  ])("the configured cluster when %s", async (_name, etc, lib, cluster) => {
    if (etc !== undefined) await put(ECS_AGENT.config, etc);
    if (lib !== undefined) await put(ECS_AGENT.configLib, lib);
    expect((await observeEcsAgent(fs, agent(down))).configuredCluster).toBe(cluster);
  });

  it("readEcsConfigFiles: each effective value with the file that set it last", async () => {
    expect(await readEcsConfigFiles(fs)).toEqual(new Map());
    await put(ECS_AGENT.configLib, "ECS_CLUSTER=lib\nECS_EXTERNAL=true\n");
    expect([...(await readEcsConfigFiles(fs)).values()]).toEqual([
      { name: "ECS_CLUSTER", value: "lib", file: ECS_AGENT.configLib },
      { name: "ECS_EXTERNAL", value: "true", file: ECS_AGENT.configLib },
    ]);
    await put(ECS_AGENT.config, "ECS_CLUSTER=edge\n");
    const values = await readEcsConfigFiles(fs);
    expect(values.get("ECS_CLUSTER")).toEqual({ name: "ECS_CLUSTER", value: "edge", file: ECS_AGENT.config });
    expect(values.get("ECS_EXTERNAL")).toEqual({
      name: "ECS_EXTERNAL",
      value: "true",
      file: ECS_AGENT.configLib,
    });
  });
});
