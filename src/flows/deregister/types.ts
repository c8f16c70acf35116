import type { AwsPorts } from "../../adapters/aws/ports.ts";
import type { HostContext } from "../../app/host.ts";

/** The named actions of `deregister`, in the order they run; the names appear in the report and in logs. */
export type ActionName =
  | "drain"
  | "deregister-container-instance"
  | "deregister-managed-instance"
  | "stop-ecs"
  | "remove-agent-state"
  | "clear-ssm-registration"
  | "purge"
  | "state";

/** `planned` only in --dry-run: the action would run. */
export type ActionStatus = "done" | "not-needed" | "skipped" | "failed" | "planned";

export interface Outcome {
  status: ActionStatus;
  message: string;
  remediation?: string;
}

export interface ActionReport extends Outcome {
  name: ActionName;
}

/** Also the `--output json` document: `{"actions":[{name,status,message,remediation?}],"ok":bool}`. */
export interface DeregisterReport {
  actions: ActionReport[];
  ok: boolean;
}

/**
 * What an action found when it looked (read-only): nothing to do, a reason it cannot or will not run, or the
 * change it would make. `apply` is the only place that writes; it may still find the work already done.
 */
export type Plan =
  | (Outcome & { status: "not-needed" | "skipped" | "failed" })
  | { status: "needed"; message: string; apply: () => Promise<Outcome> };

export interface DeregisterInput {
  drain: boolean;
  drainTimeoutMs: number;
  force: boolean;
  purge: boolean;
  dryRun: boolean;
}

/**
 * Whether AWS can be called, and if not, why (--local-only on purpose, or no credentials). `remediation` is
 * how to make AWS callable; each action adds the command that finishes its own job by hand.
 */
export type AwsAccess =
  | { ready: true; region: string; ports: () => Promise<AwsPorts> }
  | { ready: false; status: "skipped" | "failed"; reason: string; remediation?: string };

/** The container instance to deregister and where its identity came from. */
export interface ContainerInstanceTarget {
  cluster: string;
  arn: string;
  source: "the running agent" | "the state file";
}

/** The host as it was before any action ran (actions change it; they plan from this and look again). */
export interface DeregisterObservation {
  containerInstance: ContainerInstanceTarget | undefined;
  managedInstance: { id: string; region: string | undefined } | undefined;
  /** The SSM agent's unit: the snap one or the deb/rpm one (facts §4). */
  ssmUnit: string;
}

export interface DeregisterContext {
  input: DeregisterInput;
  host: HostContext;
  aws: AwsAccess;
  observed: DeregisterObservation;
  /** The reports of the actions that already ran, in order. */
  results: readonly ActionReport[];
}

export interface Action {
  name: ActionName;
  plan(ctx: DeregisterContext): Promise<Plan>;
}
