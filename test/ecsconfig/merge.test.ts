import { describe, expect, it } from "vitest";
import { mergeEcsConfig } from "../../src/ecsconfig/merge.ts";
import { parseEcsConfig } from "../../src/ecsconfig/parse.ts";
import { renderEcsConfig } from "../../src/ecsconfig/render.ts";

describe("renderEcsConfig", () => {
  it("writes plain KEY=VALUE lines in the given order", () => {
    const entries = [
      { key: "ECS_CLUSTER", value: "prod" },
      { key: "ECS_INSTANCE_ATTRIBUTES", value: '{"rack":"r1"}' },
      { key: "EMPTY", value: "" },
    ];
    expect(renderEcsConfig(entries)).toBe(
      'ECS_CLUSTER=prod\nECS_INSTANCE_ATTRIBUTES={"rack":"r1"}\nEMPTY=\n',
    );
  });

  it("round-trips through the parser", () => {
    const entries = [
      { key: "A", value: "x=y" },
      { key: "B", value: " leading space" },
    ];
    expect([...parseEcsConfig(renderEcsConfig(entries)).values]).toEqual([
      ["A", "x=y"],
      ["B", " leading space"],
    ]);
  });

  it("refuses entries that would read back differently, without echoing the value", () => {
    expect(() => renderEcsConfig([{ key: "A", value: "line1\nB=injected" }])).toThrow(/newline/);
    expect(() => renderEcsConfig([{ key: "A", value: "trailing " }])).toThrow(/whitespace/);
    expect(() => renderEcsConfig([{ key: "A=B", value: "x" }])).toThrow(/key/);
    expect(() => renderEcsConfig([{ key: "A", value: "s3cret-value\n" }])).toThrow(/^(?!.*s3cret)/);
  });
});

describe("mergeEcsConfig", () => {
  it("keeps the operator's keys and lets the desired keys win", () => {
    const merged = mergeEcsConfig("ECS_CLUSTER=old\nMY_KEY=1\n", { ECS_CLUSTER: "prod" });
    expect(merged.text).toBe("ECS_CLUSTER=prod\nMY_KEY=1\n");
    expect(merged.changes).toEqual(["changed ECS_CLUSTER from old to prod"]);
  });

  it("reports nothing when the file already says what is desired", () => {
    expect(mergeEcsConfig("ECS_CLUSTER=prod\n", { ECS_CLUSTER: "prod" })).toEqual({
      text: "ECS_CLUSTER=prod\n",
      changes: [],
    });
  });

  it("never shows the value of a secret key in a change", () => {
    const secret = "eyJyZWdpc3RyeSI6InNlY3JldCJ9-password";
    const merged = mergeEcsConfig(`ECS_ENGINE_AUTH_DATA="old-${secret}"\n`, { ECS_ENGINE_AUTH_DATA: secret });
    expect(merged.text).toBe(`ECS_ENGINE_AUTH_DATA=${secret}\n`);
    expect(merged.changes).toEqual([
      "changed ECS_ENGINE_AUTH_DATA from (hidden: secret) to (hidden: secret)",
    ]);
  });

  it("keeps quotes it cannot remove without losing trailing spaces", () => {
    expect(mergeEcsConfig('A="b "\n', {}).text).toBe('A="b "\n');
  });
});

describe("mergeEcsConfig normalises what ecs-init reads differently", () => {
  it.each([
    ["before `=`", "MY_KEY =1\n"],
    ["after `=`", "MY_KEY= 1\n"],
    ["on both sides", "MY_KEY = 1\n"],
  ])("removes spaces %s and says so", (_, existing) => {
    expect(mergeEcsConfig(existing, {})).toEqual({
      text: "MY_KEY=1\n",
      changes: [
        'line 1: removed the spaces around "=" after MY_KEY; ecs-init read them as part of the key or value',
      ],
    });
  });

  it("removes quotes around a value with a space inside", () => {
    expect(mergeEcsConfig('GREETING="hello world"\n', {})).toEqual({
      text: "GREETING=hello world\n",
      changes: [
        "removed the quotes around the value of GREETING: ecs-init passed them to the agent literally",
      ],
    });
  });

  it("keeps quotes whose removal would leave trailing whitespace, a tab included", () => {
    expect(mergeEcsConfig("A='b\t'\n", {})).toEqual({ text: "A='b\t'\n", changes: [] });
  });

  it("leaves a value alone that only starts and ends with the same character", () => {
    expect(mergeEcsConfig("PORTS=1001\n", {})).toEqual({ text: "PORTS=1001\n", changes: [] });
  });

  it("reports a duplicate once, keeps the last value, and keeps the key where it first appeared", () => {
    expect(mergeEcsConfig("A=1\nB=2\nA=3\n", {})).toEqual({
      text: "A=3\nB=2\n",
      changes: ["collapsed 2 lines setting A into one, keeping the last (the value ecs-init used)"],
    });
  });

  it("reports the cleanups in line order, whatever their kind", () => {
    const merged = mergeEcsConfig("A = 1\nstray text\n#B=2\n=3\n", {});
    expect(merged.text).toBe("A=1\n");
    expect(merged.changes).toEqual([
      'line 1: removed the spaces around "=" after A; ecs-init read them as part of the key or value',
      'line 2: removed text without "=" (ecs-init ignored it)',
      "line 3: removed a comment-looking line; ecs-init has no comments and read it as a key",
      'line 4: removed a line with nothing before "="',
    ]);
  });

  it("never echoes the text of a comment or of a key that is not one, whatever it holds", () => {
    const planted = "PLANTED-hunter2-0123456789";
    const merged = mergeEcsConfig(`# db password ${planted}=x\nmy ${planted} = 1\n${planted}\n`, {});
    expect(merged.changes).toEqual([
      "line 1: removed a comment-looking line; ecs-init has no comments and read it as a key",
      'line 2: removed the spaces around "=" after the key; ecs-init read them as part of the key or value',
      'line 3: removed text without "=" (ecs-init ignored it)',
    ]);
  });

  it("masks every secret it reports, by the key's meaning and in proxy URLs", () => {
    const merged = mergeEcsConfig("DB_PASSWORD=old-secret\n", {
      DB_PASSWORD: "new-secret",
      AWS_SESSION_TOKEN: "token-value",
      HTTP_PROXY: "http://user:proxy-pass@proxy:3128",
    });
    expect(merged.changes).toEqual([
      "changed DB_PASSWORD from (hidden: secret) to (hidden: secret)",
      "added AWS_SESSION_TOKEN=(hidden: secret)",
      "added HTTP_PROXY=http://user:****@proxy:3128",
    ]);
  });

  it("says which desired keys it adds and changes, in the desired order, shortening long values", () => {
    const long = "x".repeat(100);
    const merged = mergeEcsConfig("B=old\n", { A: long, B: "", C: "new" });
    expect(merged.text).toBe(`A=${long}\nB=\nC=new\n`);
    expect(merged.changes).toEqual([
      `added A=${"x".repeat(77)}...`,
      "changed B from old to (empty)",
      "added C=new",
    ]);
  });

  it("writes desired keys before the operator's own", () => {
    expect(mergeEcsConfig("MY_KEY=1\nECS_CLUSTER=prod\n", { ECS_CLUSTER: "prod" }).text).toBe(
      "ECS_CLUSTER=prod\nMY_KEY=1\n",
    );
  });
});
