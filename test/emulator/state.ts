import type {
  ActivationSnapshot,
  ClusterSnapshot,
  ContainerInstanceSnapshot,
  EmulatorState,
  ManagedInstanceSnapshot,
  RoleSnapshot,
} from "./types.ts";

/** Mutable state owned by one emulator instance. Maps keep insertion order (used for list order). */

export interface Role {
  roleName: string;
  roleId: string;
  path: string;
  arn: string;
  createDate: Date;
  /** When the role or its trust policy last changed: SSM sees the change only after the propagation delay. */
  changedAt: Date;
  description?: string;
  maxSessionDuration: number;
  assumeRolePolicyDocument: string;
  tags: Map<string, string>;
  permissionsBoundaryArn?: string;
  attachedPolicyArns: string[];
  inlinePolicies: Map<string, string>;
}

export interface Activation {
  activationId: string;
  activationCode: string;
  region: string;
  iamRole: string;
  description?: string;
  defaultInstanceName?: string;
  registrationLimit: number;
  registrationsCount: number;
  expirationDate: Date;
  createdDate: Date;
  tags: Array<[string, string]>;
}

export interface ManagedInstance {
  instanceId: string;
  activationId: string;
  region: string;
  iamRole: string;
  name?: string;
  agentVersion: string;
  registrationDate: Date;
  tags: Array<[string, string]>;
}

export interface Cluster {
  clusterArn: string;
  clusterName: string;
  region: string;
  status: "ACTIVE" | "INACTIVE";
  tags: Map<string, string>;
}

export interface ContainerInstance {
  containerInstanceArn: string;
  id: string;
  clusterArn: string;
  ec2InstanceId: string;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  registeredAt: Date;
  tags: Map<string, string>;
  attributes: Array<{ name: string; value?: string }>;
  /** Tasks the instance runs (setRunningTasks): DeregisterContainerInstance refuses it unless forced. */
  runningTasks: number;
}

/** Behaviours over time (field notes §8), in ms of the emulator's clock; 0 turns one off. */
export interface Delays {
  /** How long a new or changed role is invisible to SSM, and the ECS service-linked role to ECS. */
  propagationDelayMs: number;
  /** How long after registration a container instance's agent stays disconnected. */
  agentConnectDelayMs: number;
}

export class State {
  readonly roles = new Map<string, Role>();
  readonly activations = new Map<string, Activation>();
  readonly managedInstances = new Map<string, ManagedInstance>();
  readonly clusters = new Map<string, Cluster>();
  readonly containerInstances = new Map<string, ContainerInstance>();
  /** Code for the next CreateActivation (setNextActivationCode). */
  nextActivationCode: string | undefined;
  /** Ids of deleted activations: deleting one again answers InvalidActivation (field notes §8.3). */
  readonly deletedActivations = new Set<string>();
  /** When the account's first CreateCluster made the ECS service-linked role (field notes §8.1). */
  serviceLinkedRoleSince: Date | undefined;
  readonly delays: Delays = { propagationDelayMs: 0, agentConnectDelayMs: 0 };

  /**
   * ECS reports an external instance's agent as connected while its SSM registration lives, once the agent's
   * control-plane session is up (agentConnectDelayMs after registration, field notes §8.2).
   */
  agentConnected(ci: ContainerInstance, now: Date): boolean {
    if (ci.status === "INACTIVE") return false;
    if (now.getTime() - ci.registeredAt.getTime() < this.delays.agentConnectDelayMs) return false;
    return !ci.ec2InstanceId.startsWith("mi-") || this.managedInstances.has(ci.ec2InstanceId);
  }

  /** Whether a change made at `since` is still invisible to other services at `now`. */
  propagating(since: Date, now: Date): boolean {
    return now.getTime() - since.getTime() < this.delays.propagationDelayMs;
  }

  /** Container instances still registered (ACTIVE or DRAINING) in a cluster. */
  registeredIn(clusterArn: string): ContainerInstance[] {
    return [...this.containerInstances.values()].filter(
      (ci) => ci.clusterArn === clusterArn && ci.status !== "INACTIVE",
    );
  }

  /** Makes this state a deep copy of `other` (an emulator's fork starts where the other one is). */
  copyFrom(other: State): void {
    const copy = <K, V>(into: Map<K, V>, from: Map<K, V>) => {
      into.clear();
      for (const [key, value] of from) into.set(key, structuredClone(value));
    };
    copy(this.roles, other.roles);
    copy(this.activations, other.activations);
    copy(this.managedInstances, other.managedInstances);
    copy(this.clusters, other.clusters);
    copy(this.containerInstances, other.containerInstances);
    this.deletedActivations.clear();
    for (const id of other.deletedActivations) this.deletedActivations.add(id);
    this.nextActivationCode = other.nextActivationCode;
    this.serviceLinkedRoleSince = other.serviceLinkedRoleSince;
    Object.assign(this.delays, other.delays);
  }

  snapshot(accountId: string, now: Date): EmulatorState {
    const iso = (d: Date): string => d.toISOString();
    const rec = <T>(entries: Array<[string, T]>): Record<string, T> => Object.fromEntries(entries);
    const roles = [...this.roles.values()].map((r): [string, RoleSnapshot] => [
      r.roleName,
      {
        roleName: r.roleName,
        roleId: r.roleId,
        arn: r.arn,
        path: r.path,
        createDate: iso(r.createDate),
        description: r.description,
        maxSessionDuration: r.maxSessionDuration,
        assumeRolePolicyDocument: r.assumeRolePolicyDocument,
        tags: rec([...r.tags]),
        permissionsBoundaryArn: r.permissionsBoundaryArn,
        attachedPolicyArns: [...r.attachedPolicyArns],
        inlinePolicies: rec([...r.inlinePolicies]),
      },
    ]);
    const activations = [...this.activations.values()].map((a): [string, ActivationSnapshot] => [
      a.activationId,
      {
        activationId: a.activationId,
        activationCode: a.activationCode,
        region: a.region,
        iamRole: a.iamRole,
        description: a.description,
        defaultInstanceName: a.defaultInstanceName,
        registrationLimit: a.registrationLimit,
        registrationsCount: a.registrationsCount,
        expirationDate: iso(a.expirationDate),
        createdDate: iso(a.createdDate),
        expired: now.getTime() >= a.expirationDate.getTime(),
        tags: rec(a.tags),
      },
    ]);
    const managed = [...this.managedInstances.values()].map((m): [string, ManagedInstanceSnapshot] => [
      m.instanceId,
      {
        instanceId: m.instanceId,
        activationId: m.activationId,
        region: m.region,
        iamRole: m.iamRole,
        name: m.name,
        pingStatus: "Online",
        agentVersion: m.agentVersion,
        registrationDate: iso(m.registrationDate),
        // The emulated agent is always alive: it pinged just now.
        lastPingDateTime: iso(now),
        tags: rec(m.tags),
      },
    ]);
    const clusters = [...this.clusters.values()].map((c): [string, ClusterSnapshot] => [
      c.clusterArn,
      {
        clusterArn: c.clusterArn,
        clusterName: c.clusterName,
        region: c.region,
        status: c.status,
        tags: rec([...c.tags]),
        registeredContainerInstancesCount: this.registeredIn(c.clusterArn).length,
      },
    ]);
    const cis = [...this.containerInstances.values()].map((ci): [string, ContainerInstanceSnapshot] => [
      ci.containerInstanceArn,
      {
        containerInstanceArn: ci.containerInstanceArn,
        clusterArn: ci.clusterArn,
        ec2InstanceId: ci.ec2InstanceId,
        status: ci.status,
        agentConnected: this.agentConnected(ci, now),
        runningTasksCount: ci.runningTasks,
        registeredAt: iso(ci.registeredAt),
        tags: rec([...ci.tags]),
      },
    ]);
    // JSON round trip: drops undefined members, so the in-process snapshot equals the HTTP one.
    return JSON.parse(
      JSON.stringify({
        accountId,
        roles: rec(roles),
        activations: rec(activations),
        managedInstances: rec(managed),
        clusters: rec(clusters),
        containerInstances: rec(cis),
      }),
    ) as EmulatorState;
  }
}
