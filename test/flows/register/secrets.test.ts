import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliResult } from "../../support/cli.ts";
import { expectNotPrinted, expectNotWritten, type NamedRun } from "../../support/secrets.ts";
import { failureOf, startWorld, type World } from "./harness.ts";
import { filesUnder } from "./inspect.ts";

const ACCESS_KEY = "AKIAPLANTEDSECRET000";
const SECRET_KEY = "planted-secret-key-DO-NOT-LEAK-0123456789ab";
/** Activation codes planted in the emulator, one per CreateActivation, each unmistakable. */
const code = (n: number) => `PlantedActivationCode${n}ZZZZZZZZZZ`;

let world: World;
const runs: NamedRun[] = [];
const secrets = [SECRET_KEY];
let created = 0;
/** The next just-in-time activation gets a planted code. */
function plantCode(): string {
  const planted = code(created++);
  world.emu.setNextActivationCode(planted);
  secrets.push(planted);
  return planted;
}

beforeAll(async () => {
  world = await startWorld({
    emulator: { credentials: { [ACCESS_KEY]: SECRET_KEY } },
    env: { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY },
  });
  const debug = ["--log-level", "debug"];
  // Failing runs first: their error messages and logs are where a code would slip out.
  plantCode();
  runs.push({ name: "script exits 1", result: await world.register(debug, { FAKE_INSTALL_EXIT: "1" }) });
  const supplied = await world.supplyActivation(); // setup + activation create --out, code below
  secrets.push(supplied.code);
  const wrong = code(99);
  secrets.push(wrong);
  const wrongFile = await world.operatorFile("wrong-code", wrong);
  runs.push({
    name: "wrong supplied code",
    result: await world.register([
      ...debug,
      "--activation-id",
      supplied.id,
      "--activation-code-file",
      wrongFile,
    ]),
  });
  plantCode();
  runs.push({ name: "dry run", result: await world.register([...debug, "--dry-run"]) });
  plantCode();
  runs.push({ name: "success (text)", result: await world.register(debug) });
  runs.push({ name: "re-run (json)", result: await world.register([...debug, "--output", "json"]) });
});
afterAll(() => world.stop());

describe("register keeps the activation code and the AWS secret key to itself", () => {
  it("ran the failing and the succeeding runs the scan depends on", () => {
    expect(runs.map(({ name, result }) => [name, result.code])).toEqual([
      ["script exits 1", 1],
      ["wrong supplied code", 1],
      ["dry run", 0],
      ["success (text)", 0],
      ["re-run (json)", 0],
    ]);
    expect(failureOf(runs[1]?.result as CliResult).error).toMatch(/InvalidActivation/);
    // The scan is only meaningful if the codes really travelled: the script got them as arguments.
    expect(world.host.ssmAgentCalls().filter((call) => call.includes("-register -code ***"))).toHaveLength(2);
  });

  it("prints neither on stdout nor stderr, error messages included", () => {
    expectNotPrinted(runs, secrets);
  });

  it("writes neither into any file under ROOT: install logs, state.json, ecs.config and its backups", () => {
    const files = filesUnder(world.host.root);
    const paths = files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "var/lib/ecs-anywhere-agent/state.json",
        "etc/ecs/ecs.config",
        expect.stringMatching(/^var\/log\/ecs-anywhere-agent\/install-.*\.log$/),
      ]),
    );
    // No exclusions: the fixtures write no code either (amazon-ssm-agent logs it masked, RegistrationKey
    // holds a private key, not the code; the install-script log has flag names only).
    expectNotWritten(files, secrets);
  });
});
