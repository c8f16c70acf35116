import type { AgentState } from "../../components/agent-state/state.ts";
import type { FilePlan } from "../../components/ecs-agent/config-files.ts";
import type { HostObservation } from "./observe.ts";
import type { RegisterReport } from "./report.ts";
import type { Mode, RegisterDeps, RegisterInput } from "./types.ts";

/**
 * What the steps of one `register` run share: the input, the host as it was first observed, and the facts
 * earlier steps produced for later ones (each field names the step that sets it).
 */
export interface RegisterRun {
  input: RegisterInput;
  deps: RegisterDeps;
  observed: HostObservation;
  mode: Mode;
  /** The keys the agent manages in /etc/ecs/ecs.config. */
  desired: Record<string, string>;
  /** Keys to take out of /etc/ecs/ecs.config: the proxy's, when the agent set one before and none is configured. */
  absentKeys: string[];
  /** The planned /etc/ecs/ecs.config, validated before anything runs. */
  etcPlan: FilePlan;
  /** state.json as the run found it (read once, under the lock). */
  previousState: AgentState | undefined;
  /** Whether the install script has to run (fresh host missing SSM or ecs-init). */
  scriptNeeded: boolean;
  report: RegisterReport;
  /** Set by `activation`: the activation to register with (a placeholder in a dry run). */
  activation?: { id: string; code: string };
  /** Set by `install-script`: the verified bytes, the only ones run-script runs. */
  verifiedScript?: Buffer;
  /** Set by `ecs-config`: the file changed while ecs-init was already installed, so ecs must restart. */
  configChanged: boolean;
}
