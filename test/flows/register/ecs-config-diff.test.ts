import { describe, expect, it } from "vitest";
import { diffFile, planEcsConfigFiles } from "../../../src/components/ecs-agent/config-files.ts";
import { Redactor } from "../../../src/util/redact.ts";

const OLD_AUTH = '{"registry.example.com":{"username":"old-user","password":"old-password-0123456789"}}';
const NEW_AUTH = '{"registry.example.com":{"username":"new-user","password":"new-password-0123456789"}}';

describe("the --dry-run diff of ecs.config", () => {
  it("masks registry credentials by key, the ones only the current file holds included", () => {
    const redactor = new Redactor();
    const [plan] = planEcsConfigFiles(
      { ECS_CLUSTER: "edge", ECS_ENGINE_AUTH_TYPE: "dockercfg", ECS_ENGINE_AUTH_DATA: NEW_AUTH },
      {
        etc: `ECS_CLUSTER=edge\nECS_ENGINE_AUTH_TYPE=dockercfg\nECS_ENGINE_AUTH_DATA = ${OLD_AUTH}\n`,
        lib: undefined,
      },
      redactor,
    );
    const diff = diffFile(plan as NonNullable<typeof plan>, redactor);
    expect(diff).toEqual(["- ECS_ENGINE_AUTH_DATA =****", "+ ECS_ENGINE_AUTH_DATA=****"]);
    for (const line of diff) {
      expect(line).not.toContain("old-password");
      expect(line).not.toContain("new-password");
    }
  });
});
