// One case of the AWS fault matrix (aws-faults.test.ts): a fault injected on one operation of a scenario's
// command, and what the run must show: success through the retries, or exit 1 with one line naming the call;
// never a stack trace; never a host file changed without the journal saying so.
import type { ActivationInfo } from "../../src/adapters/aws/ports.ts";
import { sweepReason } from "../../src/cloud/activation-sweep.ts";
import { AGENT_STATE } from "../../src/components/agent-state/paths.ts";
import type { Emulator, EmulatorState } from "../emulator/types.ts";
import type { World } from "../flows/register/harness.ts";
import { snapshotTree } from "../flows/register/inspect.ts";
import type { CliResult } from "../support/cli.ts";
import { differences, type EndState } from "./end-state.ts";
import { type Baseline, caseWorld, endOf, type Prepared, type Scenario } from "./fault-scenarios.ts";

export type FaultKind =
  | "throttling"
  | "throttling past the retries"
  | "HTTP 500"
  | "HTTP 500 past the retries"
  | "connection reset"
  | "connection reset past the retries"
  | "latency beyond the timeout"
  | "latency beyond the timeout, past the retries"
  | "AccessDenied";

/** A fault that lasts one attempt (the SDK's retries must absorb it) or outlasts every attempt. */
export const FAULTS: readonly FaultKind[] = [
  "throttling",
  "throttling past the retries",
  "HTTP 500",
  "HTTP 500 past the retries",
  "connection reset",
  "connection reset past the retries",
  "latency beyond the timeout",
  "latency beyond the timeout, past the retries",
  "AccessDenied",
];

/** --aws-timeout of every case, and the latency that exceeds it. */
const TIMEOUT = "1s";
const LATENCY_MS = 1_500;
/** Attempts per call in the "past the retries" cases (the fault answers every one of them). */
const ATTEMPTS = "2";

/** Whether AWS can answer `fault` to `operation` at all: GetCallerIdentity needs no permission. */
export function applies(operation: string, fault: FaultKind): boolean {
  return !(fault === "AccessDenied" && operation === "sts:GetCallerIdentity");
}

function inject(emu: Emulator, operation: string, fault: FaultKind): string[] {
  const lasting = fault.endsWith("past the retries");
  const times = lasting ? 1_000 : 1;
  if (fault === "AccessDenied") emu.deny(operation);
  else if (fault.startsWith("throttling")) emu.inject({ action: operation, kind: "throttle", times });
  else if (fault.startsWith("HTTP 500")) emu.inject({ action: operation, kind: "server-error", times });
  else if (fault.startsWith("connection reset")) emu.inject({ action: operation, kind: "reset", times });
  else emu.inject({ action: operation, kind: "latency", latencyMs: LATENCY_MS, times });
  // Only latency cases shorten the timeout: elsewhere a slow moment of a loaded machine must not look like one.
  const timeout = fault.startsWith("latency") ? ["--aws-timeout", TIMEOUT] : [];
  return [...timeout, ...(lasting ? ["--max-attempts", ATTEMPTS] : [])];
}

/** What a case found wrong (empty: clean), what it left that is known and bounded, and the run. */
export interface FaultOutcome {
  problems: string[];
  /** Known leftovers (KNOWN_LEFTOVERS) the case found, each checked to be what its entry says. */
  notes?: string[];
  run?: CliResult;
}

/**
 * What a fault may leave behind although the command succeeded, because AWS offers no way to avoid it: each
 * entry checks the leftover is exactly that, and bounded. A latency fault holds the answer back AFTER the call
 * ran (test/emulator/SPEC.md), as a lost answer does in AWS.
 */
const KNOWN_LEFTOVERS: Readonly<
  Record<string, (expected: EndState, state: EmulatorState) => string | undefined>
> = {
  // CreateActivation takes no idempotency token: the attempt whose answer was lost made an activation too,
  // whose code nobody received. It is tagged ManagedBy and unused, so `activation sweep` deletes it once it
  // expires (the configured lifetime; 30 minutes at most for register's own).
  "ssm:CreateActivation|latency beyond the timeout": (expected, state) => {
    const all = Object.values(state.activations);
    if (all.length !== expected.cloud.activations + 1) return undefined;
    const afterExpiry = new Date(Math.max(...all.map((a) => Date.parse(a.expirationDate))) + 1000);
    const swept = all.filter((a) => sweepReason(activationInfoOf(a), afterExpiry) !== undefined);
    if (swept.length !== all.length || all.some((a) => a.registrationsCount > 0)) return undefined;
    return "one unused activation more, whose code was never received; activation sweep deletes it once it expires";
  },
};

function activationInfoOf(a: EmulatorState["activations"][string]): ActivationInfo {
  return {
    id: a.activationId,
    iamRoleName: a.iamRole,
    registrationLimit: a.registrationLimit,
    registrationsCount: a.registrationsCount,
    expiresAt: new Date(a.expirationDate),
    expired: a.expired,
    tags: a.tags,
  };
}

const TRANSIENT: ReadonlySet<FaultKind> = new Set([
  "throttling",
  "HTTP 500",
  "connection reset",
  "latency beyond the timeout",
]);

/**
 * One case: `fault` on every `operation` call of the scenario's command. Clean means: exit 0 (for a fault
 * that lasts one attempt, nothing else: the retries absorb it, and the end state is the baseline's), or exit 1
 * with one error line that names the operation; never a stack trace; never a host file changed without the
 * journal in state.json growing.
 */
export async function faultCase(
  scenario: Scenario,
  prepared: Prepared,
  expected: Baseline,
  operation: string,
  fault: FaultKind,
): Promise<FaultOutcome> {
  const problems: string[] = [];
  const world = await caseWorld(scenario, prepared);
  try {
    const extra = inject(world.emu, operation, fault);
    const before = hostSnapshot(world.world);
    const journalBefore = journalLength(world.world);
    const run = await world.run(extra);
    const hit = world.emu
      .calls()
      .some(
        (call) =>
          `${call.service}:${call.action}` === operation &&
          (call.status !== 200 || call.delayedMs !== undefined),
      );
    if (!hit) problems.push(`the fault was never answered: the command did not send ${operation}`);
    problems.push(...stackTraces(run));
    const notes: string[] = [];
    if (TRANSIENT.has(fault)) {
      if (run.code !== scenario.exit) {
        problems.push(`a one-attempt fault was not absorbed by the retries: exit ${run.code}`);
      } else {
        const found = differences(expected.end, endOf(world));
        const known =
          found.length === 1
            ? KNOWN_LEFTOVERS[`${operation}|${fault}`]?.(expected.end, world.emu.state)
            : undefined;
        if (known !== undefined) notes.push(known);
        else problems.push(...found.map((difference) => `end state: ${difference}`));
      }
    } else if (run.code === 1) problems.push(...failureLineProblems(run, operation));
    else if (run.code !== scenario.exit) problems.push(`exit ${run.code}, neither success nor 1`);
    const changed = changedHostFiles(before, hostSnapshot(world.world));
    if (changed.length > 0 && journalLength(world.world) <= journalBefore) {
      problems.push(`host files changed with no journal entry: ${changed.join(", ")}`);
    }
    return { problems, ...(notes.length > 0 ? { notes } : {}), run };
  } finally {
    await world.stop();
  }
}

/** Lines of a Node stack trace, or an error printed raw instead of in operator words. */
function stackTraces(run: CliResult): string[] {
  const text = `${run.stdout}\n${run.stderr}`;
  const found = text
    .split("\n")
    .filter(
      (line) =>
        /^\s+at .+(:\d+:\d+\)?|<anonymous>\)?)$/.test(line) ||
        /\b(TypeError|ReferenceError|RangeError|SyntaxError)\b|\[object Object\]|Error: [A-Z][a-z]+Error\b/.test(
          line,
        ),
    );
  return found.length > 0 ? [`raw error output: ${found.slice(0, 3).join(" | ")}`] : [];
}

/**
 * Exit 1 must come with one line saying why, naming the operation: the `error:` line (on stderr), or for
 * deregister, which runs every step and reports each, its `deregister not finished` line and the step's FAIL
 * line naming the call.
 */
function failureLineProblems(run: CliResult, operation: string): string[] {
  const lines = `${run.stdout}\n${run.stderr}`.split("\n");
  const errors = lines.filter((line) => /^error( \(input\))?: /.test(line));
  const unfinished = lines.filter((line) => line.startsWith("deregister not finished: "));
  const summaries = [...errors, ...unfinished];
  if (summaries.length !== 1) {
    return [
      `exit 1 with ${summaries.length} error lines: ${summaries.join(" | ") || lines.slice(-3).join(" | ")}`,
    ];
  }
  const named = lines.some((line) => /^(error: |\s*FAIL )/.test(line) && line.includes(operation));
  return named ? [] : [`the failure does not name ${operation}: ${summaries[0]}`];
}

/** The host's files, without the fakes' own bookkeeping, the agent's logs and its journal. */
function hostSnapshot(world: World | undefined): Record<string, string> {
  if (world === undefined) return {};
  const skipped = [
    ".fake/",
    "var/log/ecs-anywhere-agent/",
    AGENT_STATE.state.slice(1),
    AGENT_STATE.lock.slice(1),
  ];
  return Object.fromEntries(
    Object.entries(snapshotTree(world.host.root)).filter(
      ([path]) => !skipped.some((prefix) => path === prefix || path.startsWith(prefix)),
    ),
  );
}

function changedHostFiles(before: Record<string, string>, after: Record<string, string>): string[] {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...paths].filter((path) => before[path] !== after[path]).sort();
}

function journalLength(world: World | undefined): number {
  if (world === undefined || !world.host.exists(AGENT_STATE.state)) return 0;
  try {
    const journal = (JSON.parse(world.host.readFile(AGENT_STATE.state)) as { journal?: unknown }).journal;
    return Array.isArray(journal) ? journal.length : 0;
  } catch {
    return 0;
  }
}
