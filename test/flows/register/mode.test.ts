import { describe, expect, it } from "vitest";
import type { AgentMetadata } from "../../../src/adapters/host/introspection.ts";
import { membership } from "../../../src/components/ecs-agent/observe.ts";
import { OperationError } from "../../../src/errors.ts";
import { chooseMode } from "../../../src/flows/register/mode.ts";
import type { HostObservation } from "../../../src/flows/register/observe.ts";

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";
const running = (cluster: string, arn: string | null = ARN): AgentMetadata => ({
  state: "ok",
  cluster,
  containerInstanceArn: arn,
  version: "Amazon ECS Agent - v1.89.0",
});
const down: AgentMetadata = { state: "unreachable", error: "connection refused" };

function host(overrides: Partial<HostObservation>): HostObservation {
  return {
    metadata: down,
    configuredCluster: undefined,
    ecsConfigText: undefined,
    ecsConfigLibText: undefined,
    ecsInitInstalled: false,
    agentDbPresent: false,
    managedInstanceId: undefined,
    ssmRegistered: false,
    ...overrides,
  };
}

describe("the one membership rule", () => {
  it.each([
    ["a fresh host", host({}), undefined],
    ["the running agent, by name", host({ metadata: running("edge") }), "edge"],
    [
      "the running agent, by cluster ARN",
      host({ metadata: running("arn:aws:ecs:eu-west-1:123456789012:cluster/edge") }),
      "edge",
    ],
    ["an agent not yet registered, without agent.db", host({ metadata: running("edge", null) }), undefined],
    [
      "a stopped agent: agent.db and ECS_CLUSTER in /etc/ecs/ecs.config",
      host({ agentDbPresent: true, configuredCluster: "staging", ecsConfigText: "ECS_CLUSTER=staging\n" }),
      "staging",
    ],
    ["a stopped agent without ECS_CLUSTER: ecs-init's default", host({ agentDbPresent: true }), "default"],
    ["ECS_CLUSTER without agent.db never registered", host({ configuredCluster: "staging" }), undefined],
  ])("%s", (_name, observed, cluster) => {
    expect(membership(observed)?.cluster).toBe(cluster);
  });

  it("names the file that set the cluster when the agent cannot confirm it", () => {
    const lib = membership(
      host({ agentDbPresent: true, configuredCluster: "x", ecsConfigLibText: "ECS_CLUSTER=x\n" }),
    );
    expect(lib).toMatchObject({
      confirmed: false,
      source: expect.stringMatching(/^\/var\/lib\/ecs\/ecs\.config;/),
    });
    expect(membership(host({ metadata: running("edge") }))).toMatchObject({ confirmed: true });
  });
});

describe("chooseMode", () => {
  it.each([
    ["a fresh host joins", host({}), false, "fresh"],
    [
      "the running agent in the cluster: nothing to move",
      host({ metadata: running("edge") }),
      false,
      "already-registered",
    ],
    [
      "agent.db for this cluster, agent not answering: resume as fresh",
      host({ agentDbPresent: true, configuredCluster: "edge" }),
      false,
      "fresh",
    ],
    ["another cluster with --move", host({ metadata: running("staging") }), true, "move"],
  ])("%s", (_name, observed, move, mode) => {
    expect(chooseMode(observed, "edge", move)).toBe(mode);
  });

  it("refuses another cluster without --move, naming both and the fix", () => {
    const error = (() => {
      try {
        chooseMode(host({ metadata: running("staging") }), "edge", false);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({
      message: "this host is registered to cluster staging, not edge; refusing to move it",
      remediation: "re-run with --move to deregister it from staging and register it in edge",
    });
  });
});
