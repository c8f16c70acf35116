import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNotPrinted, expectNotWritten, type NamedRun } from "../../support/secrets.ts";
import { startWorld, type World } from "../register/harness.ts";
import { filesUnder } from "../register/inspect.ts";
import { registered } from "./helpers.ts";

const ACCESS_KEY = "AKIAPLANTEDDEREG0000";
const SECRET_KEY = "planted-deregister-secret-DO-NOT-LEAK-0123";

let world: World;
let privateKey = "";
const runs: NamedRun[] = [];

beforeAll(async () => {
  world = await startWorld({
    emulator: { credentials: { [ACCESS_KEY]: SECRET_KEY } },
    env: { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY },
  });
  await registered(world);
  privateKey = JSON.parse(world.host.readFile("/var/lib/amazon/ssm/Vault/Store/RegistrationKey")).privateKey;
  const debug = ["deregister", "--log-level", "trace"];
  const run = async (name: string, args: string[], env: Record<string, string> = {}) => {
    runs.push({ name, result: await world.agent([...debug, ...args], env) });
  };
  // Failing runs first: error messages are where a secret would slip out.
  await run("wrong secret key", ["--output", "json"], { AWS_SECRET_ACCESS_KEY: `${SECRET_KEY}x` });
  await run("dry run", ["--dry-run", "--drain", "--purge"]);
  world.emu.deny("ecs:DeregisterContainerInstance");
  await run("denied (json)", ["--output", "json"]);
  world.emu.allow("ecs:DeregisterContainerInstance");
  await run("success (text)", ["--purge"]);
  await run("re-run (json)", ["--output", "json", "--purge"]);
});
afterAll(() => world.stop());

describe("deregister keeps the AWS secret key and the SSM private key to itself", () => {
  it("ran the failing and the succeeding runs the scan depends on", () => {
    expect(runs.map(({ name, result }) => [name, result.code])).toEqual([
      ["wrong secret key", 1],
      ["dry run", 0],
      ["denied (json)", 1],
      ["success (text)", 0],
      ["re-run (json)", 0],
    ]);
    expect(privateKey).toMatch(/^FAKE-PRIVATE-KEY-/);
    expect(runs[0]?.result.stdout).toMatch(/deregister-container-instance.*failed|"failed"/s);
  });

  it("prints neither on stdout nor stderr, error messages and trace logs included", () => {
    expectNotPrinted(runs, [SECRET_KEY, privateKey]);
  });

  it("writes the secret key into no file under ROOT", () => {
    expectNotWritten(filesUnder(world.host.root), [SECRET_KEY]);
  });
});
