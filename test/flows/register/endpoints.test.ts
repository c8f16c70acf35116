// Private endpoints on the host (field notes §10.8-§10.10): the SSM agent's endpoint overrides, written before the
// install script registers the agent and removed again with the config; the ECS endpoint as --ecs-endpoint and
// ECS_BACKEND_HOST. Preflight's probes follow AWS_ENDPOINT_URL (the emulator) here, which beats the config.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ENDPOINT_RECORD } from "../../../src/components/ssm-agent/endpoint-config.ts";
import { expectGolden } from "../../support/golden.ts";
import { type PhaseJson, phaseOf, startWorld, type World } from "./harness.ts";
import { modeOf, snapshotTree } from "./inspect.ts";

const SSM_JSON = "/etc/amazon/ssm/amazon-ssm-agent.json";
const ECS = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ecs.eu-west-1.vpce.amazonaws.com";
const ENDPOINTS = `endpoints:
  ssm: https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com/
  ec2messages: https://vpce-0a1b2c3d4e5f60718-abcdefgh.ec2messages.eu-west-1.vpce.amazonaws.com
  ssmmessages: https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssmmessages.eu-west-1.vpce.amazonaws.com
  s3: https://bucket.vpce-0a1b2c3d4e5f60718-abcdefgh.s3.eu-west-1.vpce.amazonaws.com
  ecs: ${ECS}
`;
const OPERATOR_FILE = '{\n  "Mds": { "CommandWorkersLimit": 10 },\n  "Profile": { "ShareCreds": true }\n}\n';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

const register = async (config: string, args: string[] = []) =>
  world.register(["--config", await world.operatorFile("config.yaml", config), "--output", "json", ...args]);

describe("register with private endpoints", () => {
  it("writes the SSM agent's overrides before the script, passes --ecs-endpoint, sets ECS_BACKEND_HOST", async () => {
    const run = await register(ENDPOINTS);
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const ids = report.steps.map((step: PhaseJson) => step.id);
    expect(ids.indexOf("endpoint-config")).toBeLessThan(ids.indexOf("run-script"));
    expect(phaseOf(report, "endpoint-config").status).toBe("changed");
    expectGolden("endpoints/register-amazon-ssm-agent.json", world.host.readFile(SSM_JSON));
    expect(modeOf(world.host.path(SSM_JSON))).toBe("0644");
    // The fake script logs the flag names it parsed; it wrote the value as ECS_BACKEND_HOST (field notes §1.3).
    expect(world.host.installScriptRuns().at(-1)).toContain("--ecs-endpoint");
    expectGolden("endpoints/register-var-lib-ecs-ecs.config", world.host.readFile("/var/lib/ecs/ecs.config"));
    expectGolden("endpoints/register-etc-ecs-ecs.config", world.host.readFile("/etc/ecs/ecs.config"));
    expect(world.host.readFile("/etc/ecs/ecs.config")).toContain(`\nECS_BACKEND_HOST=${ECS}\n`);
  });

  it("has the file in place even when the install script fails before it does anything", async () => {
    const config = await world.operatorFile("config.yaml", ENDPOINTS);
    const run = await world.register(["--config", config], { FAKE_INSTALL_EXIT: "1" });
    expect(run.code).toBe(1);
    expect(JSON.parse(world.host.readFile(SSM_JSON)).Ssm.Endpoint).toBe(
      "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com",
    );
  });

  it("shows the SSM agent file and the --ecs-endpoint flag in --dry-run, and writes nothing", async () => {
    const before = snapshotTree(world.host.root);
    const run = await register(ENDPOINTS, ["--dry-run"]);
    expect(run.code).toBe(0);
    expect(snapshotTree(world.host.root)).toEqual(before);
    const report = JSON.parse(run.stdout);
    const step = phaseOf(report, "endpoint-config");
    expect(step.status).toBe("planned");
    expect(step.summary).toBe(
      "record ECS_BACKEND_HOST as set from endpoints.ecs; write /etc/amazon/ssm/amazon-ssm-agent.json (SSM agent endpoints)",
    );
    expect(step.details).toEqual(
      expect.arrayContaining([
        "set Ssm.Endpoint to https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com",
        "set Agent.Region to eu-west-1",
      ]),
    );
    expect(phaseOf(report, "run-script").summary).toContain(` --ecs-endpoint ${ECS}`);
  });

  it("merges into the operator's file, is idempotent, restarts a running SSM agent, and removes its keys again", async () => {
    world.host.writeFile(SSM_JSON, OPERATOR_FILE, 0o640);
    expect((await register(ENDPOINTS)).code).toBe(0);
    const merged = JSON.parse(world.host.readFile(SSM_JSON));
    expect(merged.Mds).toEqual({
      CommandWorkersLimit: 10,
      Endpoint: "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ec2messages.eu-west-1.vpce.amazonaws.com",
    });
    expect(merged.Profile).toEqual({ ShareCreds: true });
    expect(modeOf(world.host.path(SSM_JSON))).toBe("0640");

    // Again: nothing to do, nothing restarted.
    const calls = world.host.systemctlCalls().length;
    const again = JSON.parse((await register(ENDPOINTS)).stdout);
    expect(phaseOf(again, "endpoint-config")).toMatchObject({
      status: "ok",
      summary: "the SSM agent and ecs.config have the configured endpoints",
    });
    expect(world.host.systemctlCalls().slice(calls)).not.toContain("restart amazon-ssm-agent");

    // Endpoints gone from the config: the keys this agent set go, the operator's stay; the running SSM agent
    // restarts, and ecs restarts without ECS_BACKEND_HOST in either ecs.config file.
    const before = world.host.systemctlCalls().length;
    const removed = await register("cluster: edge\n");
    expect(removed.code).toBe(0);
    const report = JSON.parse(removed.stdout);
    const step = phaseOf(report, "endpoint-config");
    expect(step.status).toBe("changed");
    expect(step.details).toEqual(
      expect.arrayContaining([
        "removed ECS_BACKEND_HOST from /etc/ecs/ecs.config (endpoints.ecs is no longer set)",
        "removed ECS_BACKEND_HOST from /var/lib/ecs/ecs.config (endpoints.ecs is no longer set)",
        "removed Ssm.Endpoint (no longer configured)",
        "restarted amazon-ssm-agent to read the file",
      ]),
    );
    const restarts = world.host.systemctlCalls().slice(before);
    expect(restarts).toContain("restart amazon-ssm-agent");
    expect(restarts).toContain("restart ecs");
    expect(JSON.parse(world.host.readFile(SSM_JSON))).toEqual(JSON.parse(OPERATOR_FILE));
    expectGolden("endpoints/register-amazon-ssm-agent.after-removal.json", world.host.readFile(SSM_JSON));
    for (const file of ["/etc/ecs/ecs.config", "/var/lib/ecs/ecs.config"]) {
      expect(world.host.readFile(file)).not.toContain("ECS_BACKEND_HOST");
    }
    expect(world.host.exists(ENDPOINT_RECORD)).toBe(false);
  });

  it("fails the step, naming the file, when the existing file is not JSON, and leaves it alone", async () => {
    world.host.writeFile(SSM_JSON, '{ "Ssm": { "Endpoint": "", }, }\n', 0o644);
    const run = await register(ENDPOINTS);
    expect(run.code).toBe(1);
    expect(world.host.readFile(SSM_JSON)).toBe('{ "Ssm": { "Endpoint": "", }, }\n');
    expect(`${run.stdout}${run.stderr}`).toMatch(/amazon-ssm-agent\.json is not valid JSON/);
    expect(world.scriptRuns()).toBe(0);
  });
});
