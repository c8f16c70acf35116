import type { IdentityPolicy } from "./identity-policy.ts";
/** Public types of the AWS emulator (see SPEC.md). */

export type ServiceName = "iam" | "sts" | "ssm" | "ecs";

export const SERVICE_NAMES: readonly ServiceName[] = ["iam", "sts", "ssm", "ecs"];

export interface EmulatorOptions {
  /** Account of every ARN. Default "123456789012". */
  accountId?: string;
  /** Page size of every paged list (combined with MaxItems/MaxResults by min). Default 2. */
  pageSize?: number;
  /** Clock port for resource timestamps and activation expiry. Default real time. SigV4 and the Date header use real time. */
  now?: () => Date;
  /** accessKeyId -> secretAccessKey. Default { AKIAEMULATOR0000TEST: "emulator-secret-key-0000000000000000000000" }. */
  credentials?: Record<string, string>;
  /** Extra policy ARNs that exist besides the built-in AWS managed ones (e.g. customer managed policies). */
  extraPolicyArns?: string[];
  /** TCP port on 127.0.0.1. Default 0: any free port. */
  port?: number;
  /** The caller's only identity policy: every call it does not allow is denied (identity-policy.ts). Default none. */
  identityPolicy?: IdentityPolicy;
  /**
   * IAM eventual consistency (field notes §8.1), on the `now` clock: for this long after a role is created or its
   * trust policy changes, CreateActivation on it answers "Nonexistent role ..."; for this long after the account's
   * first CreateCluster, CreateCluster answers "Unable to assume the service linked role". Default 0 (off).
   */
  propagationDelayMs?: number;
  /** Clusters that exist (ACTIVE, untagged) from the start, as if an operator had run `setup`. Default none. */
  clusters?: Array<{ name: string; region: string }>;
  /** For this long (on the `now` clock) after registering, a container instance's agentConnected is false. Default 0. */
  agentConnectDelayMs?: number;
  /**
   * How long (real time) an idle keep-alive connection stays open. Default Node's (5 s). Hundreds of clients that
   * wait seconds between calls (a fleet simulated in one process) otherwise reuse connections the server is closing
   * at that moment, and get connection resets of the loopback's making.
   */
  keepAliveTimeoutMs?: number;
  /**
   * Accept connections only from these source addresses (say the outgoing address a proxy binds to): any other
   * connection is reset at once, before a byte is read. Default: from anywhere on the loopback.
   */
  peers?: readonly string[];
}

/** The behaviours over time that can be changed while the emulator runs (`setDelays`). */
export interface DelaySettings {
  propagationDelayMs?: number;
  agentConnectDelayMs?: number;
}

export interface CallRecord {
  service: ServiceName;
  /** e.g. "CreateRole". */
  action: string;
  /** false when the action starts with Get, List or Describe. */
  mutating: boolean;
  /** HTTP status answered; 0 when the connection was reset. */
  status: number;
  errorCode?: string;
  /** Set when a latency fault held the answer back this long (the call itself ran at once). */
  delayedMs?: number;
}

export type FaultKind = "throttle" | "server-error" | "reset" | "latency";

export interface Fault {
  /** Restrict to one service; any service when absent. */
  service?: string;
  /** "CreateRole", "iam:CreateRole" or "*". */
  action: string;
  kind: FaultKind;
  /** Applies to the next `times` matching calls. */
  times: number;
  latencyMs?: number;
}

export interface RegisterManagedInstanceInput {
  activationId: string;
  activationCode: string;
  region: string;
}

export interface RegisterContainerInstanceInput {
  cluster: string;
  managedInstanceId: string;
  /** What the agent sends from ECS_CONTAINER_INSTANCE_TAGS at its first registration (field notes §3). */
  tags?: Record<string, string>;
}

/** Snapshots: plain JSON data, the same in-process (`emulator.state`) and over HTTP (`GET /__emulator/state`). */
export interface RoleSnapshot {
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  createDate: string;
  description?: string;
  maxSessionDuration: number;
  /** The trust policy exactly as submitted (not URL-encoded). */
  assumeRolePolicyDocument: string;
  tags: Record<string, string>;
  permissionsBoundaryArn?: string;
  attachedPolicyArns: string[];
  /** policy name -> document exactly as submitted. */
  inlinePolicies: Record<string, string>;
}

export interface ActivationSnapshot {
  activationId: string;
  activationCode: string;
  region: string;
  iamRole: string;
  description?: string;
  defaultInstanceName?: string;
  registrationLimit: number;
  registrationsCount: number;
  expirationDate: string;
  createdDate: string;
  expired: boolean;
  tags: Record<string, string>;
}

export interface ManagedInstanceSnapshot {
  instanceId: string;
  activationId: string;
  region: string;
  iamRole: string;
  name?: string;
  pingStatus: string;
  agentVersion: string;
  registrationDate: string;
  lastPingDateTime: string;
  tags: Record<string, string>;
}

export interface ClusterSnapshot {
  clusterArn: string;
  clusterName: string;
  region: string;
  status: "ACTIVE" | "INACTIVE";
  tags: Record<string, string>;
  registeredContainerInstancesCount: number;
}

export interface ContainerInstanceSnapshot {
  containerInstanceArn: string;
  clusterArn: string;
  ec2InstanceId: string;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  agentConnected: boolean;
  runningTasksCount: number;
  registeredAt: string;
  tags: Record<string, string>;
}

export interface EmulatorState {
  accountId: string;
  /** by role name */
  roles: Record<string, RoleSnapshot>;
  /** by activation id */
  activations: Record<string, ActivationSnapshot>;
  /** by mi- id (deregistered ones are gone) */
  managedInstances: Record<string, ManagedInstanceSnapshot>;
  /** by cluster ARN (INACTIVE clusters stay) */
  clusters: Record<string, ClusterSnapshot>;
  /** by container instance ARN (deregistered ones stay, INACTIVE) */
  containerInstances: Record<string, ContainerInstanceSnapshot>;
}

export interface Emulator {
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
  calls(): CallRecord[];
  clearCalls(): void;
  mutatingCalls(): CallRecord[];
  inject(fault: Fault): void;
  clearFaults(): void;
  /** e.g. "iam:CreateRole"; "iam:*" denies a whole service. */
  deny(action: string): void;
  /** Sets (or with undefined, removes) the caller's identity policy, as EmulatorOptions.identityPolicy. */
  setIdentityPolicy(policy: IdentityPolicy | undefined): void;
  allow(action: string): void;
  rateLimit(service: ServiceName, perSecond: number, burst: number): void;
  clearRateLimits(): void;
  /** What `amazon-ssm-agent -register` does. Throws EmulatorError (code InvalidActivationId | InvalidActivation). */
  registerManagedInstance(input: RegisterManagedInstanceInput): { managedInstanceId: string };
  /** What the ECS agent does at its first start. Throws EmulatorError (ClusterNotFoundException | InvalidInstanceId). */
  registerContainerInstance(input: RegisterContainerInstanceInput): { containerInstanceArn: string };
  /** A fresh snapshot on every read. */
  readonly state: EmulatorState;
  /** The next CreateActivation answers this code. */
  setNextActivationCode(code: string): void;
  /** Changes the propagation and agent-connection delays (ms of the `now` clock). */
  setDelays(delays: DelaySettings): void;
  /** Makes a container instance run `count` tasks (DeregisterContainerInstance then needs force). */
  setRunningTasks(containerInstanceArn: string, count: number): void;
  /**
   * Another emulator (its own port) whose resources start as a deep copy of this one's: roles, activations,
   * managed and container instances, clusters, delays. Its call log, faults, limits and deny list start empty.
   */
  fork(): Promise<Emulator>;
}
