import type { AwsPorts } from "../../adapters/aws/ports.ts";
import type { HostContext } from "../../app/host.ts";
import type { StepResult } from "../../engine/run.ts";
import type { Step } from "../../engine/step.ts";

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
  /** The SSM agent's unit: the snap one or the deb/rpm one (field notes §4). */
  ssmUnit: string;
}

export interface DeregisterContext {
  input: DeregisterInput;
  host: HostContext;
  aws: AwsAccess;
  observed: DeregisterObservation;
  /** The results of the steps that already ran, in order. */
  results: readonly StepResult[];
}

export type DeregisterStep = Step<DeregisterContext>;
