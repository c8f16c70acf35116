import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import {
  applyEcsConfigFiles,
  checkEcsConfigInput,
  desiredKeys,
  diffFile,
  type FilePlan,
  planEcsConfigFiles,
} from "../../../src/components/ecs-agent/config-files.ts";
import { ECS_AGENT } from "../../../src/components/ecs-agent/files.ts";
import { type ConfigInput, configSchema } from "../../../src/config/schema.ts";
import { UsageError } from "../../../src/errors.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { fakeClock } from "../../support/clock.ts";

/** The ecs.config planning of the ECS agent component: which keys, which files, what changes, what is shown. */

const AUTH = '{"registry.example.com":{"username":"u","password":"registry-password-0123456789"}}';
const keys = (input: ConfigInput) => desiredKeys(configSchema.parse(input), "eu-west-1");

describe("desiredKeys", () => {
  it("the defaults: cluster, region, log level and the awslogs override, nothing else", () => {
    expect(keys({})).toStrictEqual({
      ECS_CLUSTER: "default",
      AWS_DEFAULT_REGION: "eu-west-1",
      ECS_LOGLEVEL: "info",
      ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: "true",
    });
  });

  it.each<[string, ConfigInput, Record<string, string>]>([
    ["the cluster", { cluster: "edge" }, { ECS_CLUSTER: "edge" }],
    ["the log level", { host: { ecsLogLevel: "debug" } }, { ECS_LOGLEVEL: "debug" }],
    ["GPU support when enabled", { host: { enableGpu: true } }, { ECS_ENABLE_GPU_SUPPORT: "true" }],
    ["reserved memory", { host: { reservedMemoryMiB: 256 } }, { ECS_RESERVED_MEMORY: "256" }],
    ["no reserved memory at all", { host: { reservedMemoryMiB: 0 } }, { ECS_RESERVED_MEMORY: "0" }],
    [
      "instance tags",
      { host: { instanceTags: { site: "b", env: "a" } } },
      {
        ECS_CONTAINER_INSTANCE_TAGS: '{"env":"a","site":"b"}',
      },
    ],
    [
      "instance attributes",
      { host: { instanceAttributes: { rack: "r1" } } },
      {
        ECS_INSTANCE_ATTRIBUTES: '{"rack":"r1"}',
      },
    ],
    [
      "extra keys",
      { ecsConfig: { ECS_IMAGE_PULL_BEHAVIOR: "prefer-cached" } },
      {
        ECS_IMAGE_PULL_BEHAVIOR: "prefer-cached",
      },
    ],
  ])("from the config: %s", (_name, input, expected) => {
    expect(keys(input)).toMatchObject(expected);
  });

  it("GPU support disabled and reserved memory unset leave their keys out", () => {
    const desired = keys({ host: { enableGpu: false } });
    expect(Object.keys(desired)).not.toContain("ECS_ENABLE_GPU_SUPPORT");
    expect(Object.keys(desired)).not.toContain("ECS_RESERVED_MEMORY");
  });
});

describe("planEcsConfigFiles", () => {
  const desired = { ECS_CLUSTER: "edge", AWS_DEFAULT_REGION: "eu-west-1" };
  const converged = "ECS_CLUSTER=edge\nAWS_DEFAULT_REGION=eu-west-1\n";

  it("a host without the files: only /etc/ecs/ecs.config, holding exactly the desired keys", () => {
    const plans = planEcsConfigFiles(desired, { etc: undefined, lib: undefined }, new Redactor());
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({
      path: ECS_AGENT.config,
      current: undefined,
      next: converged,
      changed: true,
    });
    expect(plans[0]?.changes).toEqual(["added ECS_CLUSTER=edge", "added AWS_DEFAULT_REGION=eu-west-1"]);
  });

  it("keeps the operator's own keys and is unchanged once converged", () => {
    const etc = `${converged}ECS_IMAGE_PULL_BEHAVIOR=always\n`;
    const [plan] = planEcsConfigFiles(desired, { etc, lib: undefined }, new Redactor());
    expect(plan).toMatchObject({ next: etc, changes: [], changed: false });
  });

  it("reports a managed key it changes", () => {
    const [plan] = planEcsConfigFiles(desired, { etc: "ECS_CLUSTER=old\n", lib: undefined }, new Redactor());
    expect(plan?.changed).toBe(true);
    expect(plan?.next).toBe(converged);
    expect(plan?.changes).toHaveLength(2);
  });

  it.each<[string, string, boolean]>([
    ["a clean file is left alone", "ECS_EXTERNAL=true\n", false],
    ["a file ecs-init misreads is normalised, never given the managed keys", "ECS_EXTERNAL=true\r\n", true],
  ])("/var/lib/ecs/ecs.config: %s", (_name, lib, changed) => {
    const plans = planEcsConfigFiles(desired, { etc: converged, lib }, new Redactor());
    expect(plans.map((p) => p.path)).toEqual([ECS_AGENT.config, ECS_AGENT.configLib]);
    expect(plans[1]).toMatchObject({ current: lib, next: "ECS_EXTERNAL=true\n", changed });
    expect(plans[1]?.changes.length).toBe(changed ? 1 : 0);
  });

  it("teaches the redactor the secret values it is given, and only those", () => {
    const redactor = new Redactor();
    planEcsConfigFiles(
      {
        ...desired,
        ECS_CLUSTER: "edge-cluster-long-name",
        ECS_ENGINE_AUTH_TYPE: "dockercfg",
        ECS_ENGINE_AUTH_DATA: AUTH,
      },
      { etc: undefined, lib: undefined },
      redactor,
    );
    expect(redactor.scrub(`data ${AUTH}`)).toBe("data ****");
    expect(redactor.scrub("edge-cluster-long-name")).toBe("edge-cluster-long-name");
  });

  it("refuses values the agent would restart-loop on, naming every bad key, before anything is written", () => {
    const attempt = () =>
      planEcsConfigFiles(
        { ...desired, ECS_RESERVED_MEMORY: "lots" },
        { etc: "ECS_CONTAINER_INSTANCE_TAGS={not json\n", lib: undefined },
        new Redactor(),
      );
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/^ecs\.config: ECS_RESERVED_MEMORY: \S.*; ECS_CONTAINER_INSTANCE_TAGS: \S.*$/);
  });
});

describe("diffFile", () => {
  const plan = (current: string | undefined, next: string): FilePlan => ({
    path: ECS_AGENT.config,
    current,
    next,
    changes: [],
    changed: current !== next,
  });

  it.each<[string, string | undefined, string, string[]]>([
    ["a new file: every line added", undefined, "A=1\nB=2\n", ["+ A=1", "+ B=2"]],
    [
      "a changed line: removed then added, unchanged ones left out",
      "A=1\nB=2\n",
      "A=1\nB=3\n",
      ["- B=2", "+ B=3"],
    ],
    ["no change: no lines", "A=1\n", "A=1\n", []],
    [
      "secret keys are masked by name, spaces kept",
      "ECS_ENGINE_AUTH_DATA = old-secret\n",
      "ECS_ENGINE_AUTH_DATA=new-secret\n",
      ["- ECS_ENGINE_AUTH_DATA =****", "+ ECS_ENGINE_AUTH_DATA=****"],
    ],
    [
      "a line that is not a setting is shown only by its number",
      "GARBAGE\n",
      "",
      ["- (line 1: a comment or other text that is not a setting, not shown)"],
    ],
  ])("%s", (_name, current, next, expected) => {
    expect(diffFile(plan(current, next), new Redactor())).toEqual(expected);
  });

  it("scrubs secrets the redactor knows from any line", () => {
    const redactor = new Redactor();
    redactor.add("known-secret-0123456789");
    expect(diffFile(plan(undefined, "ECS_FOO=known-secret-0123456789\n"), redactor)).toEqual([
      "+ ECS_FOO=****",
    ]);
  });
});

describe("reading and writing the files under the host root", () => {
  let root: string;
  let fs: HostFs;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "ecs-config-files-"));
    fs = new HostFs(root, fakeClock(new Date("2026-11-25T12:00:00.000Z")));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const hostPath = (file: string) => path.join(root, file);

  it("checkEcsConfigInput refuses bad values already in /etc/ecs/ecs.config and accepts good ones", async () => {
    const desired = { ECS_CLUSTER: "edge" };
    await expect(checkEcsConfigInput(fs, desired, new Redactor())).resolves.toBeUndefined();
    await mkdir(hostPath("/etc/ecs"), { recursive: true });
    await writeFile(hostPath(ECS_AGENT.config), "ECS_RESERVED_MEMORY=lots\n");
    await expect(checkEcsConfigInput(fs, desired, new Redactor())).rejects.toThrow(
      /^ecs\.config: ECS_RESERVED_MEMORY/,
    );
  });

  it("applyEcsConfigFiles writes the changed plans (folder created, mode 0600), not the others", async () => {
    const written = await applyEcsConfigFiles(fs, [
      { path: ECS_AGENT.config, current: undefined, next: "A=1\n", changes: [], changed: true },
      { path: ECS_AGENT.configLib, current: undefined, next: "B=1\n", changes: [], changed: false },
    ]);
    expect(written).toBe(true);
    expect(await readFile(hostPath(ECS_AGENT.config), "utf8")).toBe("A=1\n");
    expect((await stat(hostPath(ECS_AGENT.config))).mode & 0o777).toBe(0o600);
    expect(await fs.exists(ECS_AGENT.configLib)).toBe(false);
  });

  it("applyEcsConfigFiles gives a file holding a secret a folder only root can enter (0700)", async () => {
    await mkdir(hostPath("/etc/ecs"), { recursive: true, mode: 0o755 });
    await applyEcsConfigFiles(fs, [
      { path: ECS_AGENT.config, current: undefined, next: "A=1\n", changes: [], changed: true },
    ]);
    expect((await stat(hostPath("/etc/ecs"))).mode & 0o777).toBe(0o755);
    await applyEcsConfigFiles(fs, [
      {
        path: ECS_AGENT.config,
        current: "A=1\n",
        next: `A=1\nECS_ENGINE_AUTH_TYPE=dockercfg\nECS_ENGINE_AUTH_DATA=${AUTH}\n`,
        changes: [],
        changed: true,
      },
    ]);
    expect((await stat(hostPath("/etc/ecs"))).mode & 0o777).toBe(0o700);
    expect((await stat(hostPath(ECS_AGENT.config))).mode & 0o777).toBe(0o600);
  });

  it("applyEcsConfigFiles keeps a backup of the content it replaces", async () => {
    await mkdir(hostPath("/etc/ecs"), { recursive: true });
    await writeFile(hostPath(ECS_AGENT.config), "A=0\n", { mode: 0o600 });
    await applyEcsConfigFiles(fs, [
      { path: ECS_AGENT.config, current: "A=0\n", next: "A=1\n", changes: [], changed: true },
    ]);
    const backups = (await readdir(hostPath("/etc/ecs"))).filter((name) =>
      name.startsWith("ecs.config.bak."),
    );
    expect(backups).toHaveLength(1);
    expect(await readFile(hostPath(`/etc/ecs/${backups[0]}`), "utf8")).toBe("A=0\n");
  });

  it.each<[string, boolean[], boolean]>([
    ["nothing planned", [], false],
    ["a plan whose content someone else already wrote", [false], false],
    ["a write, then one already in place", [true, false], true],
    ["one already in place, then a write", [false, true], true],
  ])("applyEcsConfigFiles says whether it changed anything: %s", async (_name, writes, expected) => {
    const files = [ECS_AGENT.config, ECS_AGENT.configLib];
    const plans: FilePlan[] = [];
    for (const [i, write] of writes.entries()) {
      const file = files[i] as string;
      if (!write) {
        await mkdir(path.dirname(hostPath(file)), { recursive: true });
        await writeFile(hostPath(file), "SAME=1\n", { mode: 0o600 });
      }
      plans.push({ path: file, current: undefined, next: "SAME=1\n", changes: [], changed: true });
    }
    expect(await applyEcsConfigFiles(fs, plans)).toBe(expected);
  });
});
