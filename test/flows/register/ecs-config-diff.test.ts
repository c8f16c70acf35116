import { describe, expect, it } from "vitest";
import { diffFile, planEcsConfigFiles } from "../../../src/components/ecs-agent/config-files.ts";
import { UsageError } from "../../../src/errors.ts";
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

  it("masks every secret by meaning and shows comments and stray text only by their line number", () => {
    const redactor = new Redactor();
    const planted = {
      comment: "PLANTED-comment-password-0123",
      junk: "PLANTED-junk-line-0123",
      token: "PLANTED-session-token-0123",
      password: "PLANTED-db-password-0123",
      proxy: "PLANTED-proxy-pass-0123",
    };
    const [plan] = planEcsConfigFiles(
      {
        ECS_CLUSTER: "edge",
        AWS_SESSION_TOKEN: planted.token,
        HTTP_PROXY: `http://user:${planted.proxy}@proxy:3128`,
      },
      {
        etc: `# registry password ${planted.comment}\n${planted.junk}\nECS_CLUSTER=edge\ndb_password=${planted.password}\n`,
        lib: undefined,
      },
      redactor,
    );
    const diff = diffFile(plan as NonNullable<typeof plan>, redactor);
    expect(diff).toEqual([
      "- (line 1: a comment or other text that is not a setting, not shown)",
      "- (line 2: a comment or other text that is not a setting, not shown)",
      "+ AWS_SESSION_TOKEN=****",
      "+ HTTP_PROXY=http://user:****@proxy:3128",
    ]);
    const shown = [...diff, ...(plan?.changes ?? [])].join("\n");
    for (const secret of Object.values(planted)) expect(shown).not.toContain(secret);
    // The redactor learnt the secrets the plan writes, so no later output can show them either.
    expect(redactor.scrub(`${planted.token} ${planted.proxy}`)).toBe("**** ****");
  });

  it("refuses a value with white space around it (exit 2) before anything is written", () => {
    const plan = () =>
      planEcsConfigFiles(
        { ECS_CLUSTER: "edge", ECS_CONTAINER_STOP_TIMEOUT: " 30m" },
        { etc: "", lib: undefined },
        new Redactor(),
      );
    expect(plan).toThrow(UsageError);
    expect(plan).toThrow("the value of ECS_CONTAINER_STOP_TIMEOUT must not begin or end with white space");
  });

  it("teaches the redactor the secrets the current files already hold", () => {
    const redactor = new Redactor();
    planEcsConfigFiles(
      { ECS_CLUSTER: "edge" },
      { etc: "db_password = PLANTED-old-db-password\n", lib: "HTTP_PROXY=http://u:PLANTED-proxy-pw@p\n" },
      redactor,
    );
    expect(redactor.scrub("PLANTED-old-db-password PLANTED-proxy-pw")).toBe("**** ****");
  });
});
