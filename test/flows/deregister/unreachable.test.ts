import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../register/harness.ts";
import { ALWAYS, action, deregisterJson, registered } from "./helpers.ts";

/** with AWS unreachable, deregister keeps the host as it is and says how to finish. */

const AGENT_DB = "/var/lib/ecs/data/agent.db";
const REGISTRATION_KEY = "/var/lib/amazon/ssm/Vault/Store/RegistrationKey";
const LOCAL = ["stop-ecs", "remove-agent-state", "clear-ssm-registration"];

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

/** An endpoint where nothing listens: connection refused. */
async function downEndpoint(): Promise<Record<string, string>> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return { AWS_ENDPOINT_URL: `http://127.0.0.1:${address.port}` };
}

describe("deregister with AWS unreachable", () => {
  it("keeps agent.db, the SSM registration and ecs running, exits 1, and ends with the command to finish", async () => {
    const { arn, mi } = await registered(world);
    const down = await downEndpoint();

    const { run, report } = await deregisterJson(world, ["--max-attempts", "1"], down);

    expect(run.code).toBe(1);
    expect(report.ok).toBe(false);
    expect(action(report, "deregister-container-instance").status).toBe("failed");
    expect(action(report, "deregister-managed-instance").status).toBe("failed");
    for (const name of LOCAL) {
      expect(action(report, name)).toMatchObject({
        status: "skipped",
        summary: expect.stringMatching(
          /^not run: the (container|managed) instance could not be deregistered/,
        ),
      });
    }
    expect(world.host.exists(AGENT_DB)).toBe(true);
    expect(world.host.unitState("ecs").active).toBe(true);
    expect(world.host.readFile(REGISTRATION_KEY)).toContain(mi);
    expect(world.host.ssmAgentCalls()).not.toContain("-register -clear");
    expect(world.emu.state.containerInstances[arn]?.status).toBe("ACTIVE");

    const text = await world.agent(["deregister", "--max-attempts", "1"], down);
    expect(text.code).toBe(1);
    const lines = text.stdout.trim().split("\n");
    expect(lines.at(-2)).toMatch(
      /^deregister not finished: 2 of 6 steps failed .*stop-ecs, remove-agent-state/,
    );
    expect(lines.at(-1)).toMatch(
      /fix: .*re-run `ecs-anywhere-agent deregister`.*`ecs-anywhere-agent deregister --force`/,
    );

    // Once AWS answers, the same command finishes the job.
    const later = await deregisterJson(world);
    expect(later.run.code).toBe(0);
    for (const name of ALWAYS) expect(action(later.report, name).status).toBe("changed");
    expect(world.host.exists(AGENT_DB)).toBe(false);
  });

  it("with --force resets the host anyway (what AWS holds is left to the fix lines)", async () => {
    await registered(world);
    const { run, report } = await deregisterJson(
      world,
      ["--max-attempts", "1", "--force"],
      await downEndpoint(),
    );
    expect(run.code).toBe(1);
    for (const name of LOCAL) expect(action(report, name).status).toBe("changed");
    expect(world.host.exists(AGENT_DB)).toBe(false);
  });
});
