import { CreateClusterCommand, DescribeClustersCommand } from "@aws-sdk/client-ecs";
import { CreateRoleCommand, GetRoleCommand, TagRoleCommand } from "@aws-sdk/client-iam";
import { CreateActivationCommand, DeleteActivationCommand } from "@aws-sdk/client-ssm";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "./index.ts";
import { clients, SSM_TRUST } from "./sdk-clients.ts";

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((emu) => emu.stop()));
});

describe("fork", () => {
  it("starts another emulator on its own port with a deep copy of the resources, and nothing else", async () => {
    const emu = await startEmulator();
    started.push(emu);
    const c = clients(emu.url);
    await c.iam.send(
      new CreateRoleCommand({ RoleName: "ECSAnywhereRole", AssumeRolePolicyDocument: SSM_TRUST }),
    );
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    const { ActivationId } = await c.ssm.send(new CreateActivationCommand({ IamRole: "ECSAnywhereRole" }));
    await c.ssm.send(new DeleteActivationCommand({ ActivationId }));
    emu.inject({ action: "GetRole", kind: "throttle", times: 5 });
    emu.deny("ecs:DescribeClusters");

    const forked = await emu.fork();
    started.push(forked);
    expect(forked.url).not.toBe(emu.url);
    expect(forked.state).toEqual(emu.state);
    expect(forked.calls()).toEqual([]);
    // Faults and the deny list stay with the original; the copy answers.
    const f = clients(forked.url);
    expect((await f.iam.send(new GetRoleCommand({ RoleName: "ECSAnywhereRole" }))).Role?.RoleName).toBe(
      "ECSAnywhereRole",
    );
    expect((await f.ecs.send(new DescribeClustersCommand({ clusters: ["edge"] }))).clusters).toHaveLength(1);
    // A deleted activation is remembered as deleted (field notes §8.3) in the copy too.
    await expect(f.ssm.send(new DeleteActivationCommand({ ActivationId }))).rejects.toMatchObject({
      name: "InvalidActivation",
    });
    // The copies are independent: a change to one is not seen by the other.
    await f.iam.send(new CreateRoleCommand({ RoleName: "Other", AssumeRolePolicyDocument: SSM_TRUST }));
    await f.iam.send(new TagRoleCommand({ RoleName: "ECSAnywhereRole", Tags: [{ Key: "k", Value: "v" }] }));
    expect(Object.keys(forked.state.roles)).toEqual(["ECSAnywhereRole", "Other"]);
    expect(forked.state.roles.ECSAnywhereRole?.tags).toEqual({ k: "v" });
    expect(Object.keys(emu.state.roles)).toEqual(["ECSAnywhereRole"]);
    expect(emu.state.roles.ECSAnywhereRole?.tags).toEqual({});
  });
});
