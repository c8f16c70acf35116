import type { AwsPorts } from "../../adapters/aws/ports.ts";
import type { HostContext } from "../../app/host.ts";
import type { ScriptSource } from "../../components/install-script/obtain.ts";
import type { ProxySettings } from "../../components/proxy/settings.ts";
import type { Config } from "../../config/schema.ts";
import type { StepResult } from "../../engine/run.ts";
import type { SuppliedActivation } from "./activation-source.ts";

/** The named steps of `register`, in order; the names appear in logs, --dry-run output and --skip. */
export const REGISTER_PHASES = [
  "preflight",
  "activation",
  "ecs-config",
  "endpoint-config",
  "proxy",
  "install-script",
  "run-script",
  "normalize-config",
  "verify",
  "activation-cleanup",
  "state",
] as const;
export type RegisterPhase = (typeof REGISTER_PHASES)[number];
export const SKIPPABLE_PHASES = ["preflight", "normalize-config", "verify", "activation-cleanup"] as const;

// Just-in-time activations are single-use and short-lived (field notes §5, §6.8).
export const JIT_EXPIRY_SECONDS = 30 * 60;

export interface RegisterInput {
  config: Config;
  region: string;
  /** The proxy every consumer gets (the config's, else the environment's); undefined: none, and any is removed. */
  proxy: ProxySettings | undefined;
  supplied?: SuppliedActivation;
  source: ScriptSource;
  move: boolean;
  deleteActivation: boolean;
  dryRun: boolean;
  skipPhases: ReadonlySet<string>;
  scriptTimeoutMs: number;
  verifyTimeoutMs: number;
}

export interface RegisterDeps {
  host: HostContext;
  /** Built on first use, so a host with a supplied activation and no credentials never needs AWS. */
  aws: () => Promise<AwsPorts>;
  /** AWS ports for cleanup after a cancellation: their calls are not tied to the cancelled run. */
  cleanupAws: () => Promise<AwsPorts>;
  hasAwsCredentials: boolean;
  /** Runs the preflight checks (the `check` command's, minus those skipped). */
  preflight: (extraSkips: string[]) => Promise<StepResult[]>;
}

export type Mode = "fresh" | "already-registered" | "move";
