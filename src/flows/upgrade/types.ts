import type { ProxyRoute } from "../../adapters/aws/proxy-route.ts";
import type { AgentMetadata } from "../../adapters/host/introspection.ts";
import type { HostContext } from "../../app/host.ts";
import type { SigningKey } from "../../components/agent-packages/packages.ts";
import type { PackageArch } from "../../components/agent-packages/sources.ts";
import type { StepResult } from "../../engine/run.ts";
import type { Step } from "../../engine/step.ts";
import type { PackageManager } from "../deregister/packages.ts";
import type { AwsAccess } from "../deregister/types.ts";

export type UpgradeComponent = "ecs" | "ssm" | "all";

export interface UpgradeInput {
  component: UpgradeComponent;
  /** `latest` or a package version (`1.90.0-1`; `1.90.0` matches it when installed). */
  ecsVersion: string;
  ssmVersion: string;
  /** Folder URLs standing in for the buckets (mirrors, tests); default the region's buckets. */
  ecsSource: string;
  ssmSource: string;
  drain: boolean;
  drainTimeoutMs: number;
  verifyTimeoutMs: number;
  downloadTimeoutMs: number;
  /** The host's HTTP proxy, which the package downloads go through (field notes §10.7); none: direct. */
  proxy?: ProxyRoute | undefined;
  /** On a failed verification: reinstall the previous version (default) or stop where it failed. */
  rollback: boolean;
  dryRun: boolean;
  ecsKey: SigningKey;
  ssmKey: SigningKey;
}

/** The host before any step ran. */
export interface UpgradeObservation {
  /** The distribution's package manager; undefined on a distribution the install script does not know. */
  manager: PackageManager | undefined;
  arch: PackageArch | undefined;
  ecsVersion: string | undefined;
  /** The SSM agent's manager: the snap, or the distribution's (field notes §4). */
  ssmManager: PackageManager | undefined;
  ssmUnit: string;
  ssmVersion: string | undefined;
  metadata: AgentMetadata;
}

/** A package the run found to install, downloaded and verified into the run's folder. */
export interface Target {
  /** The installed version, and the one the package holds. */
  from: string;
  to: string;
  file: string;
  url: string;
  /** The previous version's package, kept for the rollback (undefined with --no-rollback). */
  previous?: { file: string; url: string };
}

/** What a component's upgrade comes to: nothing to do (and why), or a target. */
export type Resolution =
  | { needed: false; summary: string; status?: "ok" | "failed" | "skipped"; remediation?: string }
  | ({ needed: true } & Target);

export interface UpgradeContext {
  input: UpgradeInput;
  host: HostContext;
  aws: AwsAccess;
  observed: UpgradeObservation;
  /** The run's own folder (a host path) for downloads; what an upgrade installs is kept in the cache. */
  workDir: string;
  /** Resolved once, on first use (the drain asks before the upgrade step does). */
  ecsTarget(): Promise<Resolution>;
  ssmTarget(): Promise<Resolution>;
  results: readonly StepResult[];
  /** How the ECS agent ended: the upgrade verified, rolled back and verified, or left broken. */
  ecsOutcome?: "upgraded" | "rolled-back" | "broken";
  /** The container instance this run set DRAINING (the activate step sets it ACTIVE again). */
  drained?: { cluster: string; arn: string };
}

export type UpgradeStep = Step<UpgradeContext>;
