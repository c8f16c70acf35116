// The commands the AWS fault matrix runs (aws-faults.test.ts), cheapest first: each operation the adapters send
// is driven in the first one that sends it. A scenario is prepared once; every case starts from a copy (the
// emulator forked, the fake host's files copied) and runs the CLI in-process on a fake clock.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttachRolePolicyCommand,
  PutRolePolicyCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateActivationCommand } from "@aws-sdk/client-ssm";
import type { Clock } from "../../src/util/clock.ts";
import { startEmulator } from "../emulator/index.ts";
import { clients } from "../emulator/sdk-clients.ts";
import type { Emulator, EmulatorOptions } from "../emulator/types.ts";
import { CLUSTER, REGION, startWorld, type World } from "../flows/register/harness.ts";
import { type CliResult, cli, emulatorEnv } from "../support/cli.ts";
import { fakeClock } from "../support/clock.ts";
import { cloudState, type EndState, hostState } from "./end-state.ts";
import type { FaultKind } from "./fault-case.ts";

/** A permissions boundary that exists in the emulator (setup checks it with iam:GetPolicy). */
const BOUNDARY = "arn:aws:iam::123456789012:policy/EdgeBoundary";

const BASE_CONFIG = {
  cluster: CLUSTER,
  region: REGION,
  tags: { team: "edge" },
  taskRoles: [{ name: "fault-app", s3: [{ bucket: "fault-data" }] }],
};

/** A prepared account (and host) a case starts from a copy of. */
export interface Prepared {
  emu: Emulator;
  /** Present for commands that act on a host. */
  world?: World;
  /** The config file the command reads. */
  config: string;
  stop(): Promise<void>;
}

/** A command the matrix runs, with what it needs in place. Ordered cheapest first. */
export interface Scenario {
  id: string;
  /** The exit code of the command without faults (2: the command refuses bad input by design). */
  exit: number;
  /**
   * For a command that changes the host between its AWS calls: every operation it sends is also driven with
   * this fault, whichever scenario covers the operation, so each failure point of the host's changes is checked
   * against the journal.
   */
  everyOperation?: FaultKind;
  /** The command's arguments; host flags are added for host scenarios. */
  args(config: string): string[];
  prepare(): Promise<Prepared>;
}

/** A world for a cloud-only command: an emulator and a config file (no fake host). */
async function cloudOnly(
  config: object,
  options: EmulatorOptions = {},
  then: (emu: Emulator, env: Record<string, string>, file: string) => Promise<void> = async () => {},
): Promise<Prepared> {
  const emu = await startEmulator({ extraPolicyArns: [BOUNDARY], ...options });
  const scratch = await mkdtemp(join(tmpdir(), "fault-matrix-"));
  const stop = async () => {
    await emu.stop();
    await rm(scratch, { recursive: true, force: true });
  };
  const file = join(scratch, "config.yaml");
  try {
    await writeFile(file, JSON.stringify(config), { mode: 0o600 });
    await then(emu, emulatorEnv(emu.url), file);
  } catch (error) {
    await stop();
    throw error;
  }
  return { emu, config: file, stop };
}

/** A world with a fake host, prepared by `then` (setup, register...). */
async function withHost(
  config: object,
  then: (world: World, file: string) => Promise<void>,
): Promise<Prepared> {
  const world = await startWorld({ emulator: { clusters: [], extraPolicyArns: [BOUNDARY] } });
  try {
    const file = await world.operatorFile("config.yaml", JSON.stringify(config));
    await then(world, file);
    return { emu: world.emu, world, config: file, stop: () => world.stop() };
  } catch (error) {
    await world.stop();
    throw error;
  }
}

function ok(what: string, run: CliResult): void {
  if (run.code !== 0) throw new Error(`${what}: exit ${run.code}: ${run.stderr}`);
}

const inProcess = (env: Record<string, string>, args: string[], clock: Clock = fakeClock(new Date())) =>
  cli(args, env, { clock, host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } } });

const LEAST_PRIVILEGE = { ...BASE_CONFIG, instanceRole: { permissions: "least-privilege" } };

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "setup (fresh account, a boundary, a task role)",
    exit: 0,
    args: (config) => ["setup", "--config", config],
    prepare: () =>
      cloudOnly({ ...BASE_CONFIG, instanceRole: { permissionsBoundary: BOUNDARY } }, { clusters: [] }),
  },
  {
    id: "setup (repairing roles edited outside the agent)",
    exit: 0,
    args: (config) => ["setup", "--config", config],
    prepare: () =>
      cloudOnly(LEAST_PRIVILEGE, {}, async (emu, env, file) => {
        ok("setup", await inProcess(env, ["setup", "--config", file]));
        const { iam } = clients(emu.url);
        const role = "ECSAnywhereRole";
        // The trust conditions removed, a tag removed, the broad managed policy attached, an inline policy
        // of the agent's edited and a stale one of the agent's left behind: setup repairs each.
        const trust = JSON.parse(emu.state.roles[role]?.assumeRolePolicyDocument ?? "{}");
        for (const statement of trust.Statement) delete statement.Condition;
        await iam.send(
          new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: JSON.stringify(trust) }),
        );
        await iam.send(new UntagRoleCommand({ RoleName: role, TagKeys: ["team"] }));
        await iam.send(
          new AttachRolePolicyCommand({
            RoleName: role,
            PolicyArn: "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
          }),
        );
        const edited = {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
        };
        const inline = Object.keys(emu.state.roles[role]?.inlinePolicies ?? {});
        for (const name of [...inline.slice(0, 1), "ecs-anywhere-agent-retired"]) {
          await iam.send(
            new PutRolePolicyCommand({
              RoleName: role,
              PolicyName: name,
              PolicyDocument: JSON.stringify(edited),
            }),
          );
        }
      }),
  },
  {
    id: "activation create",
    exit: 0,
    args: (config) => ["activation", "create", "--config", config],
    prepare: () =>
      cloudOnly(BASE_CONFIG, {}, async (_emu, env, file) =>
        ok("setup", await inProcess(env, ["setup", "--config", file])),
      ),
  },
  {
    id: "activation sweep (one activation used up)",
    exit: 0,
    args: (config) => ["activation", "sweep", "--config", config],
    prepare: () =>
      cloudOnly(BASE_CONFIG, {}, async (emu, env, file) => {
        ok("setup", await inProcess(env, ["setup", "--config", file]));
        const created = await clients(emu.url, { region: REGION }).ssm.send(
          new CreateActivationCommand({
            IamRole: "ECSAnywhereRole",
            Tags: [{ Key: "ManagedBy", Value: "ecs-anywhere-agent" }],
          }),
        );
        emu.registerManagedInstance({
          activationId: created.ActivationId ?? "",
          activationCode: created.ActivationCode ?? "",
          region: REGION,
        });
      }),
  },
  {
    id: "deregister --drain",
    exit: 0,
    args: (config) => ["deregister", "--drain", "--config", config],
    prepare: () =>
      withHost(BASE_CONFIG, async (world, file) => {
        ok("setup", await world.cloud(["setup", "--config", file]));
        ok("register", await world.register(["--config", file]));
      }),
  },
  {
    id: "register --cluster with a typo (refused: exit 2)",
    exit: 2,
    args: (config) => ["register", "--config", config, "--cluster", "egde"],
    prepare: () =>
      withHost(BASE_CONFIG, async (world, file) =>
        ok("setup", await world.cloud(["setup", "--config", file])),
      ),
  },
  {
    id: "register (just-in-time activation)",
    exit: 0,
    everyOperation: "HTTP 500 past the retries",
    args: (config) => ["register", "--config", config],
    prepare: () =>
      withHost(BASE_CONFIG, async (world, file) =>
        ok("setup", await world.cloud(["setup", "--config", file])),
      ),
  },
];

/** A case's world: a copy of the prepared one, and how to run the scenario's command in it. */
export interface CaseWorld {
  emu: Emulator;
  world?: World;
  run(extra: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

export async function caseWorld(scenario: Scenario, prepared: Prepared): Promise<CaseWorld> {
  if (prepared.world === undefined) {
    const emu = await prepared.emu.fork();
    const env = emulatorEnv(emu.url);
    return {
      emu,
      run: (extra) => inProcess(env, [...scenario.args(prepared.config), ...extra]),
      stop: () => emu.stop(),
    };
  }
  const world = await startWorld({ copyOf: prepared.world });
  const args = scenario.args(prepared.config);
  const command = args[0] === "register" ? world.registerArgs(args.slice(1)) : args;
  return {
    emu: world.emu,
    world,
    run: (extra) => world.agent([...command, ...extra]),
    stop: () => world.stop(),
  };
}

/** The operations a scenario's command sends without faults, and its end state. */
export interface Baseline {
  calls: Set<string>;
  end: EndState;
}

export async function baseline(scenario: Scenario, prepared: Prepared): Promise<Baseline> {
  const world = await caseWorld(scenario, prepared);
  try {
    const run = await world.run([]);
    if (run.code !== scenario.exit) {
      throw new Error(`${scenario.id}: exit ${run.code} without faults: ${run.stderr}`);
    }
    return {
      calls: new Set(world.emu.calls().map((call) => `${call.service}:${call.action}`)),
      end: endOf(world),
    };
  } finally {
    await world.stop();
  }
}

/** The end state of a case's world (the host's too, for a host command). */
export function endOf(world: CaseWorld): EndState {
  const cloud = cloudState(world.emu.state);
  return world.world === undefined ? { cloud } : { cloud, host: hostState(world.world, world.emu.state) };
}
