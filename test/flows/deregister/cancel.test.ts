import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAwsPorts } from "../../../src/adapters/aws/clients.ts";
import { systemClock } from "../../../src/util/clock.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { cli } from "../../support/cli.ts";
import { LOCK, startWorld, type World, waitFor } from "../register/harness.ts";
import { registered } from "./helpers.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("deregister --drain cancelled by a signal", () => {
  it("SIGTERM while the drain waits for tasks: exit 143, nothing deregistered, the lock free, the journal says so", async () => {
    const { arn } = await registered(world);
    world.emu.clearCalls();
    const controller = new AbortController();
    let described = 0;
    // Tasks that never stop: the emulator answers, the count is bent (the emulator runs no tasks).
    const run = cli(
      ["deregister", "--drain", "--root", world.host.root, "--ecs-agent-url", world.host.introspectionUrl],
      world.env,
      {
        clock: systemClock,
        signal: controller.signal,
        host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
        createAws: async (_config, region) => {
          const ports = await createAwsPorts({ region, env: world.env, redactor: new Redactor() });
          return {
            ...ports,
            ecs: {
              ...ports.ecs,
              describeContainerInstances: async (cluster, arns) => {
                described++;
                const found = await ports.ecs.describeContainerInstances(cluster, arns);
                return found.map((instance) => ({ ...instance, runningTasksCount: 2 }));
              },
            },
          };
        },
      },
    );
    await waitFor("the drain to poll", () => (described >= 2 ? true : undefined));
    controller.abort("SIGTERM");
    const result = await run;
    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toMatch(/^cancelled: cancelled at drain/m);
    // DRAINING was set, nothing else: the instance is still registered and the host untouched.
    const mutating = world.emu.mutatingCalls().map((call) => call.action);
    expect(mutating).toEqual(["UpdateContainerInstancesState"]);
    expect(world.emu.state.containerInstances[arn]?.status).toBe("DRAINING");
    expect(world.host.exists("/var/lib/ecs/data/agent.db")).toBe(true);
    expect(world.host.exists(LOCK)).toBe(false);
    const state = JSON.parse(world.host.readFile("/var/lib/ecs-anywhere-agent/state.json"));
    expect(state.journal.at(-1)).toMatchObject({ step: "deregister:drain", status: "cancelled" });

    // A re-run without the signal converges: the instance (still DRAINING, no tasks) is deregistered.
    const again = await world.agent(["deregister"]);
    expect(again.code, again.stderr).toBe(0);
    expect(world.emu.state.containerInstances[arn]?.status).toBe("INACTIVE");
  });
});
