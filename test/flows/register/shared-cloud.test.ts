import { afterEach, describe, expect, it } from "vitest";
import { CLUSTER, failureOf, REGION, startWorld, type World } from "./harness.ts";
import { snapshotTree } from "./inspect.ts";

// a host's register never creates a cluster, never removes or replaces anything on the shared
// instance role, and finds a missing cluster or permissions boundary before it changes anything.

let world: World;
afterEach(() => world.stop());

const BOUNDARY = "arn:aws:iam::123456789012:policy/EdgeBoundary";
const calls = (action: string) => world.emu.calls().filter((call) => call.action === action);

describe("register into a cluster that does not exist", () => {
  it("--move to a typo fails with exit 2 and 'did you mean', makes no mutating call and leaves the host", async () => {
    world = await startWorld();
    const first = await world.register([]);
    expect(first.code, first.stderr).toBe(0);
    const setup = await world.cloud(["setup", "--cluster", "staging"]);
    expect(setup.code, setup.stderr).toBe(0);
    world.emu.clearCalls();
    // Everything but the journal of the failed run (state.json records that it failed in preflight).
    const hostFiles = () => {
      const { "var/lib/ecs-anywhere-agent/state.json": _journal, ...rest } = snapshotTree(world.host.root);
      return rest;
    };
    const before = hostFiles();

    for (const extra of [["--dry-run"], []]) {
      const run = await world.register(["--cluster", "edeg", "--move", ...extra]);
      expect(run.code, run.stderr).toBe(2);
      const { error, fix } = failureOf(run);
      expect(error).toBe(
        `error (input): --cluster: cluster edeg does not exist in ${REGION}; did you mean edge?`,
      );
      expect(fix).toContain("setup --cluster edeg");
    }
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(calls("CreateCluster")).toEqual([]);
    expect(calls("ListClusters").length).toBeGreaterThan(0);
    expect(hostFiles()).toEqual(before);
    const clusters = Object.values(world.emu.state.clusters).map((c) => c.clusterName);
    expect(clusters.sort()).toEqual(["edge", "staging"]);
  });

  it("on a fresh host with a just-in-time activation: exit 2 in preflight, nothing created, no script run", async () => {
    world = await startWorld({ emulator: { clusters: [{ name: "prod", region: REGION }] } });
    const run = await world.register(["--output", "json"]);
    expect(run.code, run.stderr).toBe(2);
    const document = JSON.parse(run.stdout);
    expect(document.error).toMatchObject({
      kind: "input",
      message: `--cluster: cluster ${CLUSTER} does not exist in ${REGION}; clusters in ${REGION}: prod`,
    });
    expect(document.error.remediation).toContain(`setup --cluster ${CLUSTER}`);
    expect(document.steps.map((step: { id: string; status: string }) => [step.id, step.status])).toEqual([
      ["preflight", "failed"],
    ]);
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(world.scriptRuns()).toBe(0);
    expect(world.emu.state.roles).toEqual({});
  });

  it("a deleted (INACTIVE) cluster is missing too", async () => {
    world = await startWorld();
    const setup = await world.cloud(["setup", "--cluster", "old"]);
    expect(setup.code, setup.stderr).toBe(0);
    const { ECSClient, DeleteClusterCommand } = await import("@aws-sdk/client-ecs");
    const { TEST_ACCESS_KEY, TEST_SECRET_KEY } = await import("../../support/cli.ts");
    const ecs = new ECSClient({
      region: REGION,
      endpoint: world.emu.url,
      credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    });
    await ecs.send(new DeleteClusterCommand({ cluster: "old" }));
    ecs.destroy();
    world.emu.clearCalls();
    const run = await world.register(["--cluster", "old", "--dry-run"]);
    expect(run.code, run.stderr).toBe(2);
    expect(failureOf(run).error).toContain("cluster old was deleted (INACTIVE)");
    expect(world.emu.mutatingCalls()).toEqual([]);
  });
});

describe("a just-in-time register against a shared instance role", () => {
  it("with a narrower config refuses to detach or delete anything, and says to run setup", async () => {
    world = await startWorld();
    const shared = await world.operatorFile(
      "shared.yaml",
      `cluster: ${CLUSTER}\ninstanceRole:\n  permissions: least-privilege\n`,
    );
    const setup = await world.cloud(["setup", "--config", shared]);
    expect(setup.code, setup.stderr).toBe(0);
    const role = () => world.emu.state.roles.ECSAnywhereRole;
    const before = role();
    expect(Object.keys(before?.inlinePolicies ?? {}).length).toBeGreaterThan(0);
    world.emu.clearCalls();

    // This host's own config lacks the least-privilege setting: converging from it would swap the policies.
    const run = await world.register(["--output", "json"]);
    expect(run.code, run.stderr).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document.error.message).toContain(
      "the instance role differs from this host's config; run `setup` with the shared config",
    );
    expect(document.error.remediation).toContain("setup");
    const activation = document.steps.find((step: { id: string }) => step.id === "activation");
    expect(activation.status).toBe("failed");
    expect(activation.details.join("\n")).toMatch(/not done here: remove inline policy ecs-anywhere-agent-/);
    const iamWrites = world.emu.mutatingCalls().filter((call) => call.service === "iam");
    expect(iamWrites).toEqual([]);
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(role()).toEqual(before);
    expect(world.scriptRuns()).toBe(0);
  });

  it("adds only what is missing: a role that does not exist is created as setup would", async () => {
    world = await startWorld();
    const run = await world.register([]);
    expect(run.code, run.stderr).toBe(0);
    const writes = world.emu
      .mutatingCalls()
      .filter((call) => call.service === "iam")
      .map((call) => call.action);
    expect(writes).toContain("CreateRole");
    expect(writes.filter((action) => /^(Detach|Delete|UpdateAssumeRole)/.test(action))).toEqual([]);
    // The execution role is not this host's business: setup manages it.
    expect(Object.keys(world.emu.state.roles)).toEqual(["ECSAnywhereRole"]);
  });
});

describe("a permissions boundary that does not exist", () => {
  it("stops register in preflight (exit 2) before anything is created", async () => {
    world = await startWorld();
    const config = await world.operatorFile(
      "boundary.yaml",
      `cluster: ${CLUSTER}\ninstanceRole:\n  permissionsBoundary: ${BOUNDARY}\n`,
    );
    const run = await world.register(["--config", config]);
    expect(run.code, run.stderr).toBe(2);
    expect(failureOf(run).error).toBe(
      `error (input): instanceRole.permissionsBoundary: policy ${BOUNDARY} does not exist`,
    );
    expect(calls("GetPolicy").length).toBeGreaterThan(0);
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(world.scriptRuns()).toBe(0);
  });

  it("stops setup, dry run or not, before any role changes", async () => {
    world = await startWorld();
    const config = await world.operatorFile(
      "boundary.yaml",
      `cluster: ${CLUSTER}\ntaskRoles:\n  - name: app\n    permissionsBoundary: ${BOUNDARY}\n`,
    );
    for (const extra of [["--dry-run"], []]) {
      const run = await world.cloud(["setup", "--config", config, ...extra]);
      expect(run.code, run.stderr).toBe(2);
      expect(failureOf(run).error).toContain(`policy ${BOUNDARY} does not exist`);
    }
    expect(world.emu.mutatingCalls()).toEqual([]);
  });
});
