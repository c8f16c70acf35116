import { describe, expect, it } from "vitest";
import type { FilePlan } from "../../../src/components/ecs-agent/config-files.ts";
import { effectiveValuesDiffer } from "../../../src/components/ecs-agent/effective-config.ts";

const ETC = "/etc/ecs/ecs.config";
const LIB = "/var/lib/ecs/ecs.config";

function plan(path: string, current: string, next: string): FilePlan {
  return { path, current, next, changes: [], changed: current !== next };
}

describe("whether normalising ecs.config changes what ecs-init sees", () => {
  it("no: the install script's second identical ECS_CLUSTER line collapses", () => {
    const etc = "ECS_CLUSTER=edge\nECS_LOGLEVEL=info\nECS_CLUSTER=edge\n";
    const next = "ECS_CLUSTER=edge\nECS_LOGLEVEL=info\n";
    expect(effectiveValuesDiffer({ etc, lib: undefined }, [plan(ETC, etc, next)])).toBe(false);
  });

  it("no: a duplicate resolves to its last value, which the normalised file keeps", () => {
    const etc = "ECS_LOGLEVEL=info\nECS_CLUSTER=edge\nECS_LOGLEVEL=debug\n";
    const next = "ECS_LOGLEVEL=debug\nECS_CLUSTER=edge\n";
    expect(effectiveValuesDiffer({ etc, lib: undefined }, [plan(ETC, etc, next)])).toBe(false);
  });

  it("yes: a value changes", () => {
    const etc = "ECS_CLUSTER=edge\nECS_LOGLEVEL=info\n";
    const next = "ECS_CLUSTER=edge\nECS_LOGLEVEL=debug\n";
    expect(effectiveValuesDiffer({ etc, lib: undefined }, [plan(ETC, etc, next)])).toBe(true);
  });

  it("yes: a duplicate whose last value is not the one kept", () => {
    const etc = "ECS_CLUSTER=edge\nECS_CLUSTER=default\n";
    const next = "ECS_CLUSTER=edge\n";
    expect(effectiveValuesDiffer({ etc, lib: undefined }, [plan(ETC, etc, next)])).toBe(true);
  });

  it("yes: a key appears or goes", () => {
    const etc = "ECS_CLUSTER=edge\n";
    expect(
      effectiveValuesDiffer({ etc, lib: undefined }, [plan(ETC, etc, `${etc}ECS_LOGLEVEL=info\n`)]),
    ).toBe(true);
    expect(
      effectiveValuesDiffer({ etc: `${etc}X=1\n`, lib: undefined }, [plan(ETC, `${etc}X=1\n`, etc)]),
    ).toBe(true);
  });

  it("reads /etc/ecs/ecs.config over /var/lib/ecs/ecs.config: a lib change hidden by etc changes nothing", () => {
    const etc = "ECS_CLUSTER=edge\n";
    const lib = "ECS_CLUSTER=default\nAWS_DEFAULT_REGION=eu-west-1\nECS_EXTERNAL=true\nECS_EXTERNAL=true\n";
    const nextLib = "AWS_DEFAULT_REGION=eu-west-1\nECS_EXTERNAL=true\n";
    expect(effectiveValuesDiffer({ etc, lib }, [plan(ETC, etc, etc), plan(LIB, lib, nextLib)])).toBe(false);
    const changedLib = "AWS_DEFAULT_REGION=eu-west-2\nECS_EXTERNAL=true\n";
    expect(effectiveValuesDiffer({ etc, lib }, [plan(ETC, etc, etc), plan(LIB, lib, changedLib)])).toBe(true);
  });
});
