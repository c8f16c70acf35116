import type { CallContext, Operation, ServiceModule } from "./context.ts";
import { EmulatorError } from "./errors.ts";
import { newContainerInstanceId } from "./ids.ts";
import type { Input } from "./input.ts";
import { epochSeconds } from "./json.ts";
import { paginate } from "./paging.ts";
import { partitionOf } from "./partition.ts";
import type { Cluster, ContainerInstance, State } from "./state.ts";

/** ECS clusters and (external) container instances (JSON 1.1). */

const AGENT_VERSION = "1.89.0";
const MAX_TAGS = 50;

const fail = (code: string, message: string): never => {
  throw new EmulatorError(code, message, 400);
};
const invalid = (message: string): never => fail("InvalidParameterException", message);
const clusterNotFound = (): never => fail("ClusterNotFoundException", "Cluster not found.");

export function clusterArn(region: string, accountId: string, name: string): string {
  return `arn:${partitionOf(region)}:ecs:${region}:${accountId}:cluster/${name}`;
}

/** A cluster name or ARN -> its ARN (region from the request). */
function resolveClusterArn(ctx: CallContext, nameOrArn: string | undefined): string {
  const v = nameOrArn ?? "default";
  return v.startsWith("arn:") ? v : clusterArn(ctx.region, ctx.accountId, v);
}

function activeCluster(state: State, arn: string): Cluster {
  const c = state.clusters.get(arn);
  if (c === undefined || c.status !== "ACTIVE") clusterNotFound();
  return c as Cluster;
}

function tagsJson(tags: Map<string, string>): Array<{ key: string; value: string }> {
  return [...tags].map(([key, value]) => ({ key, value }));
}

function checkTags(input: Input, name = "tags"): Array<[string, string]> {
  const tags = input.tags(name, true);
  if (tags.length > MAX_TAGS) invalid(`The number of tags must be less than or equal to ${MAX_TAGS}.`);
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128) invalid("Tag keys must be between 1 and 128 characters.");
    if (v.length > 256) invalid("Tag values must be at most 256 characters.");
    if (k.toLowerCase().startsWith("aws:")) invalid("Tag keys with the prefix 'aws:' are reserved.");
  }
  return tags;
}

function mergeTags(tags: Map<string, string>, add: Array<[string, string]>): void {
  const merged = new Map(tags);
  for (const [k, v] of add) merged.set(k, v);
  if (merged.size > MAX_TAGS) fail("LimitExceededException", `A resource can have at most ${MAX_TAGS} tags.`);
  tags.clear();
  for (const [k, v] of merged) tags.set(k, v);
}

function includesTags(input: Input): boolean {
  return input.strList("include").includes("TAGS");
}

function clusterJson(state: State, c: Cluster, withTags: boolean): Record<string, unknown> {
  return {
    clusterArn: c.clusterArn,
    clusterName: c.clusterName,
    status: c.status,
    registeredContainerInstancesCount: state.registeredIn(c.clusterArn).length,
    runningTasksCount: 0,
    pendingTasksCount: 0,
    activeServicesCount: 0,
    statistics: [],
    tags: withTags ? tagsJson(c.tags) : undefined,
    settings: [{ name: "containerInsights", value: "disabled" }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  };
}

function instanceJson(
  state: State,
  ci: ContainerInstance,
  withTags: boolean,
  now: Date,
): Record<string, unknown> {
  const resources = [
    { name: "CPU", type: "INTEGER", integerValue: 2048 },
    { name: "MEMORY", type: "INTEGER", integerValue: 3928 },
    { name: "PORTS", type: "STRINGSET", stringSetValue: ["22", "2375", "2376", "51678", "51679"] },
  ];
  return {
    containerInstanceArn: ci.containerInstanceArn,
    ec2InstanceId: ci.ec2InstanceId,
    version: 1,
    versionInfo: {
      agentVersion: AGENT_VERSION,
      agentHash: "emulator",
      dockerVersion: "DockerVersion: 25.0.3",
    },
    remainingResources: resources,
    registeredResources: resources,
    status: ci.status,
    agentConnected: state.agentConnected(ci, now),
    runningTasksCount: ci.runningTasks,
    pendingTasksCount: 0,
    attributes: [{ name: "ecs.capability.external" }, ...ci.attributes],
    registeredAt: epochSeconds(ci.registeredAt),
    tags: withTags ? tagsJson(ci.tags) : undefined,
  };
}

/** A container-instance id or ARN within a cluster; undefined when absent. */
function findInstance(state: State, cluster: Cluster, ref: string): ContainerInstance | undefined {
  const id = ref.slice(ref.lastIndexOf("/") + 1);
  for (const ci of state.containerInstances.values()) {
    if (ci.clusterArn === cluster.clusterArn && (ci.id === id || ci.containerInstanceArn === ref)) return ci;
  }
  return undefined;
}

function instanceArnGuess(cluster: Cluster, ref: string): string {
  if (ref.startsWith("arn:")) return ref;
  const [prefix] = cluster.clusterArn.split(":cluster/");
  return `${prefix}:container-instance/${cluster.clusterName}/${ref}`;
}

/** Registers (or, for a live one, returns) the container instance of `ec2InstanceId` in an ACTIVE cluster. */
export function registerInstance(
  state: State,
  cluster: Cluster,
  ec2InstanceId: string,
  now: Date,
  extra: { tags?: Array<[string, string]>; attributes?: Array<{ name: string; value?: string }> } = {},
): ContainerInstance {
  for (const ci of state.containerInstances.values()) {
    // The ECS agent keeps its ARN in agent.db and re-registers with it: same instance.
    if (
      ci.clusterArn === cluster.clusterArn &&
      ci.ec2InstanceId === ec2InstanceId &&
      ci.status !== "INACTIVE"
    )
      return ci;
  }
  const id = newContainerInstanceId();
  const [prefix] = cluster.clusterArn.split(":cluster/");
  const ci: ContainerInstance = {
    containerInstanceArn: `${prefix}:container-instance/${cluster.clusterName}/${id}`,
    id,
    clusterArn: cluster.clusterArn,
    ec2InstanceId,
    status: "ACTIVE",
    registeredAt: now,
    tags: new Map(extra.tags ?? []),
    attributes: extra.attributes ?? [],
    runningTasks: 0,
  };
  state.containerInstances.set(ci.containerInstanceArn, ci);
  return ci;
}

const clusterResource = (input: Input, ctx: CallContext): string =>
  resolveClusterArn(ctx, input.str("cluster"));

/** The first container instance a call names, as an ARN: what IAM authorizes Describe/UpdateContainerInstances on. */
function instanceResource(input: Input, ctx: CallContext): string {
  const ref = input.strList("containerInstances")[0] ?? "*";
  if (ref.startsWith("arn:")) return ref;
  const [prefix, name] = resolveClusterArn(ctx, input.str("cluster")).split(":cluster/");
  return `${prefix}:container-instance/${name}/${ref}`;
}

const createCluster: Operation = {
  resource: (input, ctx) => resolveClusterArn(ctx, input.str("clusterName")),
  run(input, ctx) {
    const name = input.str("clusterName") ?? "default";
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      invalid(
        "Cluster name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.",
      );
    }
    const tags = checkTags(input);
    const arn = clusterArn(ctx.region, ctx.accountId, name);
    // Tagging on create needs ecs:TagResource too (scoped with the ecs:CreateAction condition key).
    if (tags.length > 0) ctx.authorize("ecs:TagResource", arn);
    const existing = ctx.state.clusters.get(arn);
    if (existing?.status === "ACTIVE") return { cluster: clusterJson(ctx.state, existing, true) };
    // field notes §8.1: the account's first CreateCluster makes the ECS service-linked role, which ECS cannot
    // assume until it has propagated.
    const now = ctx.now();
    ctx.state.serviceLinkedRoleSince ??= now;
    if (ctx.state.propagating(ctx.state.serviceLinkedRoleSince, now)) {
      invalid(
        "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
      );
    }
    const cluster: Cluster = {
      clusterArn: arn,
      clusterName: name,
      region: ctx.region,
      status: "ACTIVE",
      tags: new Map(tags),
    };
    ctx.state.clusters.set(arn, cluster);
    return { cluster: clusterJson(ctx.state, cluster, true) };
  },
};

const describeClusters: Operation = {
  resource: (input, ctx) => resolveClusterArn(ctx, input.strList("clusters")[0]),
  run(input, ctx) {
    const refs = input.has("clusters") ? input.strList("clusters") : ["default"];
    if (refs.length > 100) invalid("At most 100 clusters can be described at once.");
    const withTags = includesTags(input);
    const clusters: unknown[] = [];
    const failures: unknown[] = [];
    for (const ref of refs) {
      const arn = resolveClusterArn(ctx, ref);
      const c = ctx.state.clusters.get(arn);
      if (c === undefined) failures.push({ arn, reason: "MISSING" });
      else clusters.push(clusterJson(ctx.state, c, withTags));
    }
    return { clusters, failures };
  },
};

/** ARNs of the region's ACTIVE clusters (a deleted, INACTIVE one is not listed), paged by nextToken. */
const listClusters: Operation = {
  resource: () => "*",
  run(input, ctx) {
    const arns = [...ctx.state.clusters.values()]
      .filter((c) => c.region === ctx.region && c.status === "ACTIVE")
      .map((c) => c.clusterArn)
      .sort();
    const max = input.int("maxResults");
    if (max !== undefined && (max < 1 || max > 100)) invalid("maxResults must be between 1 and 100.");
    const p = paginate(arns, input.str("nextToken"), max, ctx.pageSize, () => invalid("Invalid nextToken."));
    return { clusterArns: p.items, nextToken: p.next };
  },
};

const deleteCluster: Operation = {
  resource: clusterResource,
  run(input, ctx) {
    const c = activeCluster(ctx.state, resolveClusterArn(ctx, input.reqStr("cluster")));
    if (ctx.state.registeredIn(c.clusterArn).length > 0) {
      fail(
        "ClusterContainsContainerInstancesException",
        "The Cluster cannot be deleted while Container Instances are active or draining.",
      );
    }
    c.status = "INACTIVE";
    return { cluster: clusterJson(ctx.state, c, true) };
  },
};

const registerContainerInstance: Operation = {
  resource: clusterResource,
  run(input, ctx) {
    const c = activeCluster(ctx.state, resolveClusterArn(ctx, input.str("cluster")));
    const previous = input.str("containerInstanceArn");
    if (previous !== undefined) {
      const ci = findInstance(ctx.state, c, previous);
      if (ci?.status === "INACTIVE") fail("ClientException", `Container instance ${ci.id} is inactive.`);
      if (ci !== undefined) return { containerInstance: instanceJson(ctx.state, ci, true, ctx.now()) };
    }
    let instanceId: unknown;
    try {
      instanceId = (JSON.parse(input.str("instanceIdentityDocument") ?? "{}") as { instanceId?: unknown })
        .instanceId;
    } catch {
      invalid("instanceIdentityDocument is not valid JSON.");
    }
    if (typeof instanceId !== "string" || instanceId === "") {
      fail(
        "ClientException",
        'The emulator needs instanceIdentityDocument {"instanceId": "mi-..."} to register.',
      );
    }
    const attributes = input
      .objList("attributes")
      .map((a) => ({ name: a.reqStr("name"), value: a.str("value") }));
    const ci = registerInstance(ctx.state, c, instanceId as string, ctx.now(), {
      tags: checkTags(input),
      attributes,
    });
    return { containerInstance: instanceJson(ctx.state, ci, true, ctx.now()) };
  },
};

const describeContainerInstances: Operation = {
  resource: instanceResource,
  run(input, ctx) {
    const c = activeCluster(ctx.state, resolveClusterArn(ctx, input.str("cluster")));
    const refs = input.strList("containerInstances");
    if (!input.has("containerInstances")) invalid("containerInstances can not be null.");
    if (refs.length > 100) invalid("At most 100 container instances can be described at once.");
    const withTags = includesTags(input);
    const containerInstances: unknown[] = [];
    const failures: unknown[] = [];
    for (const ref of refs) {
      const ci = findInstance(ctx.state, c, ref);
      if (ci === undefined) failures.push({ arn: instanceArnGuess(c, ref), reason: "MISSING" });
      else containerInstances.push(instanceJson(ctx.state, ci, withTags, ctx.now()));
    }
    return { containerInstances, failures };
  },
};

const listContainerInstances: Operation = {
  resource: clusterResource,
  run(input, ctx) {
    const c = activeCluster(ctx.state, resolveClusterArn(ctx, input.str("cluster")));
    if (input.has("filter")) invalid("The emulator does not support cluster query language filters.");
    const status = input.str("status");
    const statuses = ["ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"];
    if (status !== undefined && !statuses.includes(status))
      invalid(`status must be one of ${statuses.join(", ")}.`);
    const max = input.int("maxResults");
    if (max !== undefined && (max < 1 || max > 100)) invalid("maxResults must be between 1 and 100.");
    const arns = ctx.state
      .registeredIn(c.clusterArn)
      .filter((ci) => status === undefined || ci.status === status)
      .map((ci) => ci.containerInstanceArn);
    const p = paginate(arns, input.str("nextToken"), max, ctx.pageSize, () => invalid("Invalid nextToken."));
    return { containerInstanceArns: p.items, nextToken: p.next };
  },
};

const deregisterContainerInstance: Operation = {
  resource: clusterResource,
  run(input, ctx) {
    const c = activeCluster(ctx.state, resolveClusterArn(ctx, input.str("cluster")));
    const ci = findInstance(ctx.state, c, input.reqStr("containerInstance"));
    if (ci === undefined) invalid("Container instance not found.");
    const instance = ci as ContainerInstance;
    // field notes §8.4: an instance that still runs tasks needs force (which stops them).
    if (instance.runningTasks > 0 && input.bool("force") !== true) {
      invalid(
        "The container instance has tasks running. Stop them, or deregister with force to stop them and deregister the instance.",
      );
    }
    instance.runningTasks = 0;
    instance.status = "INACTIVE";
    return { containerInstance: instanceJson(ctx.state, instance, false, ctx.now()) };
  },
};

const updateContainerInstancesState: Operation = {
  resource: instanceResource,
  run(input, ctx) {
    const c = activeCluster(ctx.state, resolveClusterArn(ctx, input.str("cluster")));
    const status = input.reqStr("status");
    if (status !== "ACTIVE" && status !== "DRAINING") {
      invalid("Container instance status can only be updated to ACTIVE or DRAINING.");
    }
    const containerInstances: unknown[] = [];
    const failures: unknown[] = [];
    for (const ref of input.strList("containerInstances")) {
      const ci = findInstance(ctx.state, c, ref);
      if (ci === undefined || ci.status === "INACTIVE") {
        failures.push({ arn: instanceArnGuess(c, ref), reason: ci === undefined ? "MISSING" : "INACTIVE" });
        continue;
      }
      ci.status = status as "ACTIVE" | "DRAINING";
      containerInstances.push(instanceJson(ctx.state, ci, false, ctx.now()));
    }
    return { containerInstances, failures };
  },
};

/** Tags of a cluster or container-instance ARN. */
function taggable(ctx: CallContext, arn: string): Map<string, string> {
  if (arn.includes(":cluster/")) {
    const c = ctx.state.clusters.get(arn);
    if (c === undefined || c.status !== "ACTIVE") clusterNotFound();
    return (c as Cluster).tags;
  }
  const ci = ctx.state.containerInstances.get(arn);
  if (ci === undefined || ci.status === "INACTIVE")
    fail("ResourceNotFoundException", "The specified resource wasn't found.");
  return (ci as ContainerInstance).tags;
}

const tagResource: Operation = {
  resource: (input) => input.str("resourceArn") ?? "*",
  run(input, ctx) {
    const tags = taggable(ctx, input.reqStr("resourceArn"));
    mergeTags(tags, checkTags(input));
    return {};
  },
};

const untagResource: Operation = {
  resource: (input) => input.str("resourceArn") ?? "*",
  run(input, ctx) {
    const tags = taggable(ctx, input.reqStr("resourceArn"));
    for (const k of input.strList("tagKeys")) tags.delete(k);
    return {};
  },
};

const listTagsForResource: Operation = {
  resource: (input) => input.str("resourceArn") ?? "*",
  run: (input, ctx) => ({ tags: tagsJson(taggable(ctx, input.reqStr("resourceArn"))) }),
};

export const ecs: ServiceModule = {
  service: "ecs",
  validationCode: "InvalidParameterException",
  operations: {
    CreateCluster: createCluster,
    DescribeClusters: describeClusters,
    ListClusters: listClusters,
    DeleteCluster: deleteCluster,
    RegisterContainerInstance: registerContainerInstance,
    DescribeContainerInstances: describeContainerInstances,
    ListContainerInstances: listContainerInstances,
    DeregisterContainerInstance: deregisterContainerInstance,
    UpdateContainerInstancesState: updateContainerInstancesState,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
  },
};

/** What the ECS agent does at its first start on a registered mi- host. */
export function registerContainerInstanceHook(
  state: State,
  accountId: string,
  input: { cluster: string; managedInstanceId: string; tags?: Record<string, string> },
  now: Date,
): { containerInstanceArn: string } {
  const mi = state.managedInstances.get(input.managedInstanceId);
  if (mi === undefined)
    fail("InvalidInstanceId", `Managed instance ${input.managedInstanceId} is not registered with SSM.`);
  const region = (mi as { region: string }).region;
  const arn = input.cluster.startsWith("arn:") ? input.cluster : clusterArn(region, accountId, input.cluster);
  const ci = registerInstance(state, activeCluster(state, arn), input.managedInstanceId, now, {
    tags: Object.entries(input.tags ?? {}),
  });
  return { containerInstanceArn: ci.containerInstanceArn };
}
