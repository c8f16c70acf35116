import { describe, expect, it } from "vitest";
import { planBackendHostRemoval } from "../../../src/components/ecs-agent/backend-host.ts";

const ECS = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ecs.eu-west-1.vpce.amazonaws.com";

describe("removing the ECS_BACKEND_HOST this agent set", () => {
  it("does nothing while endpoints.ecs is set, or when nothing was recorded", () => {
    const files = { etc: `ECS_CLUSTER=edge\nECS_BACKEND_HOST=${ECS}\n`, lib: undefined };
    expect(planBackendHostRemoval(files, ECS, ECS).plans).toEqual([]);
    expect(planBackendHostRemoval(files, undefined, undefined).plans).toEqual([]);
  });

  it("removes the recorded value from both files, duplicates included, and keeps every other key", () => {
    const removal = planBackendHostRemoval(
      {
        etc: `ECS_CLUSTER=edge\nECS_BACKEND_HOST=${ECS}\nECS_LOGLEVEL=info\n`,
        lib: `AWS_DEFAULT_REGION=eu-west-1\nECS_EXTERNAL=true\nECS_BACKEND_HOST=${ECS}\nECS_BACKEND_HOST=${ECS}\n`,
      },
      ECS,
      undefined,
    );
    expect(removal.plans.map((plan) => [plan.path, plan.next])).toEqual([
      ["/etc/ecs/ecs.config", "ECS_CLUSTER=edge\nECS_LOGLEVEL=info\n"],
      ["/var/lib/ecs/ecs.config", "AWS_DEFAULT_REGION=eu-west-1\nECS_EXTERNAL=true\n"],
    ]);
    expect(removal.changes).toEqual([
      "removed ECS_BACKEND_HOST from /etc/ecs/ecs.config (endpoints.ecs is no longer set)",
      "removed ECS_BACKEND_HOST from /var/lib/ecs/ecs.config (endpoints.ecs is no longer set)",
    ]);
  });

  it("leaves a value someone changed since, and says so", () => {
    const removal = planBackendHostRemoval(
      { etc: "ECS_BACKEND_HOST=https://ecs.internal.example\n", lib: undefined },
      ECS,
      undefined,
    );
    expect(removal.plans).toEqual([]);
    expect(removal.changes).toEqual([
      "left ECS_BACKEND_HOST in /etc/ecs/ecs.config: it was changed after this agent set it",
    ]);
  });
});
