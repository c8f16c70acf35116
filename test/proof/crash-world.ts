// Crash consistency (see crash-*.test.ts): the agent stalled inside one step through the engine's step-stall
// failpoint (field notes §9.6), then SIGKILLed (a real process) or cancelled as on SIGTERM (in-process); a re-run
// must converge to what an uninterrupted run leaves. Each row has its own copy of a prepared world (its emulator
// forked, its fake host's files copied), so rows run concurrently.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CallerIdentity } from "../../src/adapters/aws/ports.ts";
import { runCli } from "../../src/cli/main.ts";
import { setupSteps } from "../../src/cloud/setup-steps.ts";
import { AGENT_STATE } from "../../src/components/agent-state/paths.ts";
import { type Config, configSchema } from "../../src/config/schema.ts";
import { parseEcsConfig } from "../../src/ecsconfig/index.ts";
import { stepStall } from "../../src/engine/failpoints.ts";
import { deregisterSteps } from "../../src/flows/deregister/deregister.ts";
import { REGISTER_STEPS } from "../../src/flows/register/register.ts";
import { CLUSTER, REGION, startWorld, type World, waitFor } from "../flows/register/harness.ts";
import { processAlive, processesOfRoot } from "../flows/register/inspect.ts";
import type { CliResult } from "../support/cli.ts";
import { fakeClock } from "../support/clock.ts";
import { cloudState, differences, type EndState, hostState } from "./end-state.ts";

export type Command = "setup" | "register" | "deregister";
export type KillSignal = "SIGKILL" | "SIGTERM";

/** The config every row shares: a task role, so setup has every kind of step (roles of each kind, cluster). */
export const CONFIG_INPUT = {
  cluster: CLUSTER,
  region: REGION,
  taskRoles: [{ name: "crash-app", s3: [{ bucket: "crash-data" }] }],
};

/** deregister runs with both options that add steps, so every deregister step is in the matrix. */
const DEREGISTER_FLAGS = ["--drain", "--purge"];

/**
 * The step ids each command runs, read from the step lists the commands themselves use: a new step is a new
 * row without editing the suites.
 */
export function stepsOf(command: Command): string[] {
  if (command === "register") return REGISTER_STEPS.map((step) => step.id);
  if (command === "deregister") {
    return deregisterSteps({ drain: true, purge: true, force: false }).map((step) => step.id);
  }
  const config: Config = configSchema.parse(CONFIG_INPUT);
  const identity: CallerIdentity = {
    account: "123456789012",
    arn: "arn:aws:iam::123456789012:user/emulator",
    partition: "aws",
  };
  // Building the steps calls nothing: the ports and the wait are only used when a step runs.
  const unused = new Proxy({}, { get: () => unused }) as never;
  return setupSteps(config, REGION, identity, unused, unused).map((step) => step.id);
}

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const BUNDLE = join(REPO, "dist", "ecs-anywhere-agent.mjs");

/** The bundle must be built (`npm run build`; `npm test` builds it first). */
export function requireBundle(): void {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
}

/**
 * A prepared world: the command's preconditions in place (nothing for setup; setup for register; setup and a
 * registration for deregister), made once per suite. Every row starts from a copy of it (crashWorld).
 */
export async function prepareTemplate(command: Command): Promise<World> {
  // setup creates the cluster; register and deregister find it made by setup.
  const world = await startWorld({ emulator: { clusters: [] } });
  try {
    const config = await writeConfig(world);
    if (command !== "setup") expectOk("setup", await world.cloud(["setup", "--config", config]));
    if (command === "deregister") expectOk("register", await world.register(["--config", config]));
    return world;
  } catch (error) {
    await world.stop();
    throw error;
  }
}

/** A row's world (a copy of the template: its emulator forked, its host's files copied) and the command in it. */
export interface CrashWorld {
  world: World;
  /** The command's arguments (host flags included). */
  args: string[];
  /** Runs the command in-process to the end (the re-run). */
  rerun(): Promise<CliResult>;
  stop(): Promise<void>;
}

export async function crashWorld(command: Command, template: World): Promise<CrashWorld> {
  const world = await startWorld({ copyOf: template });
  try {
    const config = await writeConfig(world);
    const host = ["--root", world.host.root, "--ecs-agent-url", world.host.introspectionUrl];
    const args =
      command === "setup"
        ? ["setup", "--config", config]
        : command === "register"
          ? [...world.registerArgs(["--config", config]), ...host]
          : ["deregister", ...DEREGISTER_FLAGS, "--config", config, ...host];
    return { world, args, rerun: () => world.cloud(args), stop: () => world.stop() };
  } catch (error) {
    await world.stop();
    throw error;
  }
}

function writeConfig(world: World): Promise<string> {
  return world.operatorFile("config.yaml", JSON.stringify(CONFIG_INPUT));
}

function expectOk(what: string, run: CliResult): void {
  if (run.code !== 0) throw new Error(`${what} failed (exit ${run.code}): ${run.stderr}`);
}

/** The bundle as a real process; its stderr as it arrives. */
export interface AgentChild {
  child: ChildProcess;
  stderr(): string;
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

export function spawnAgentBundle(args: string[], env: Record<string, string | undefined>): AgentChild {
  const child = spawn(process.execPath, [BUNDLE, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, stderr: () => stderr, done };
}

/** What one crash row found: every check that failed, in operator words (empty: converged). */
export interface CrashOutcome {
  problems: string[];
  /** The stderr of the interrupted run and of the re-run, for a failing row's message. */
  killed?: string;
  rerun?: string;
}

interface Interrupted {
  /** Undefined when the run ended before reaching the failpoint. */
  reached: boolean;
  ended: CliResult & { signal?: NodeJS.Signals | null };
  pid?: number;
}

const stalled = (stderr: string, step: string) => stderr.includes(`"failpoint":"${stepStall(step)}"`);

/** The command as a real process, SIGKILLed once it stalls in `step`. */
async function killedRun(row: CrashWorld, step: string): Promise<Interrupted> {
  const { world } = row;
  const agent = spawnAgentBundle(row.args, {
    ...world.env,
    HOME: world.scratch,
    ECS_ANYWHERE_FAILPOINTS: stepStall(step),
  });
  try {
    let gone = false;
    void agent.done.then(() => {
      gone = true;
    });
    await waitFor(`the run to stall in ${step}`, () =>
      stalled(agent.stderr(), step) || gone ? true : undefined,
    );
    if (gone) return { reached: false, ended: await agent.done };
    const pid = agent.child.pid as number;
    agent.child.kill("SIGKILL");
    return { reached: true, ended: await agent.done, pid };
  } finally {
    agent.child.kill("SIGKILL");
  }
}

/** The command in-process, cancelled (as on SIGTERM) once it stalls in `step`. */
async function cancelledRun(row: CrashWorld, step: string): Promise<Interrupted> {
  const { world } = row;
  const cancel = new AbortController();
  let stderr = "";
  let stdout = "";
  let gone = false;
  const code = runCli(row.args, {
    env: { ...world.env, HOME: world.scratch, ECS_ANYWHERE_FAILPOINTS: stepStall(step) },
    clock: fakeClock(new Date()),
    signal: cancel.signal,
    host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  }).finally(() => {
    gone = true;
  });
  await waitFor(`the run to stall in ${step}`, () => (stalled(stderr, step) || gone ? true : undefined));
  const reached = !gone;
  cancel.abort("SIGTERM");
  return { reached, ended: { code: await code, stdout, stderr } };
}

/**
 * One row: stall `command` inside `step`, interrupt it with `signal`, check what that left, re-run, sweep, and
 * compare with `expected` (the end state of an uninterrupted run).
 */
export async function crashRow(
  command: Command,
  template: World,
  step: string,
  signal: KillSignal,
  expected: EndState,
): Promise<CrashOutcome> {
  const problems: string[] = [];
  const row = await crashWorld(command, template);
  const { world } = row;
  try {
    const { reached, ended, pid } = await (signal === "SIGKILL"
      ? killedRun(row, step)
      : cancelledRun(row, step));
    if (!reached) {
      problems.push(`never reached ${step}: exit ${ended.code}: ${lastLines(ended.stderr)}`);
      return { problems, killed: ended.stderr };
    }
    if (signal === "SIGKILL") {
      if (ended.signal !== "SIGKILL") problems.push(`killed run: ended by ${ended.signal ?? ended.code}`);
    } else {
      if (ended.code !== 143) problems.push(`SIGTERM: exit ${ended.code} instead of 143`);
      if (!new RegExp(`^cancelled: cancelled at ${escapeRegExp(step)}\\b`, "m").test(ended.stderr)) {
        problems.push(`SIGTERM: no "cancelled: cancelled at ${step}" line`);
      }
    }
    await killLeftovers(world.host.root);
    problems.push(...parseProblems(world, "after the crash", { duplicatesAllowed: true }));
    problems.push(...lockAfterCrash(world, command, signal, pid));

    const rerun = await row.rerun();
    if (rerun.code !== 0) problems.push(`re-run: exit ${rerun.code}: ${lastLines(rerun.stderr)}`);
    const sweep = await world.cloud(["activation", "sweep"]);
    if (sweep.code !== 0) problems.push(`activation sweep: exit ${sweep.code}: ${lastLines(sweep.stderr)}`);
    const left = Object.keys(world.emu.state.activations);
    if (left.length > 0) problems.push(`activation sweep left ${left.length} activation(s) behind`);
    problems.push(...parseProblems(world, "after the re-run", { duplicatesAllowed: false }));
    if (world.host.exists(AGENT_STATE.lock)) problems.push("the lock is still there after the re-run");
    const actual = endState(world, command);
    for (const difference of differences(expected, actual)) problems.push(`end state: ${difference}`);
    return { problems, killed: ended.stderr, rerun: rerun.stderr };
  } finally {
    await killLeftovers(world.host.root);
    await row.stop();
  }
}

/** The end state of an uninterrupted run of `command` in a copy of the template, and the steps it ran. */
export async function referenceEndState(
  command: Command,
  template: World,
): Promise<{ end: EndState; steps: string[] }> {
  const row = await crashWorld(command, template);
  try {
    const run = await row.world.cloud([...row.args, "--output", "json"]);
    expectOk(`reference ${command}`, run);
    expectOk("reference sweep", await row.world.cloud(["activation", "sweep"]));
    const report = JSON.parse(run.stdout) as { steps: { id: string }[] };
    return { end: endState(row.world, command), steps: report.steps.map((step) => step.id) };
  } finally {
    await row.stop();
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-4).join(" | ");
}

async function killLeftovers(root: string): Promise<void> {
  for (const { pgid } of processesOfRoot(root)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await waitFor("the fake host's processes to be gone", () =>
    processesOfRoot(root).length === 0 ? true : undefined,
  );
}

const ECS_CONFIGS = ["/etc/ecs/ecs.config", "/var/lib/ecs/ecs.config"];

/**
 * ecs.config (both files) as ecs-init reads them, and state.json as JSON. After a crash the install script's
 * appended duplicates may still be there (normalize-config removes them); anything else ecs-init would
 * misread, or a state file that does not parse, is a problem.
 */
function parseProblems(
  world: World,
  when: string,
  { duplicatesAllowed }: { duplicatesAllowed: boolean },
): string[] {
  const problems: string[] = [];
  for (const file of ECS_CONFIGS) {
    if (!world.host.exists(file)) continue;
    const text = world.host.readFile(file);
    const odd = parseEcsConfig(text).diagnostics.filter(
      (diagnostic) => !(duplicatesAllowed && diagnostic.kind === "duplicate"),
    );
    if (odd.length > 0) problems.push(`${when}: ${file}: ${odd.map((d) => d.message).join("; ")}`);
    if (text !== "" && !text.endsWith("\n")) problems.push(`${when}: ${file} does not end with a newline`);
  }
  if (world.host.exists(AGENT_STATE.state)) {
    try {
      const state = JSON.parse(world.host.readFile(AGENT_STATE.state)) as {
        version?: unknown;
        journal?: unknown;
      };
      if (state.version !== 1 || !Array.isArray(state.journal)) {
        problems.push(`${when}: state.json lacks version 1 or its journal`);
      }
    } catch (error) {
      problems.push(`${when}: state.json does not parse: ${String(error)}`);
    }
  }
  return problems;
}

/** SIGKILL leaves the lock of a dead process (the re-run takes it over); SIGTERM releases it. */
function lockAfterCrash(
  world: World,
  command: Command,
  signal: KillSignal,
  pid: number | undefined,
): string[] {
  if (command === "setup") {
    return world.host.exists(AGENT_STATE.lock) ? ["setup left a lock (it takes none)"] : [];
  }
  const held = world.host.exists(AGENT_STATE.lock);
  if (signal === "SIGTERM") return held ? ["SIGTERM: the cancelled run kept the lock"] : [];
  if (!held) return ["SIGKILL: no lock left behind (was it ever taken?)"];
  const lock = JSON.parse(world.host.readFile(AGENT_STATE.lock)) as { pid?: unknown };
  if (pid === undefined || lock.pid !== pid) {
    return [`SIGKILL: the lock names pid ${String(lock.pid)}, not the killed ${String(pid)}`];
  }
  return processAlive(pid) ? [`SIGKILL: pid ${pid} is still alive`] : [];
}

export function endState(world: World, command: Command): EndState {
  const state = world.emu.state;
  const cloud = cloudState(state);
  return command === "setup" ? { cloud } : { cloud, host: hostState(world, state) };
}
