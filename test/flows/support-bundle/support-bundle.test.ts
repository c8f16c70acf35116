import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type RunCommand, run as realRun } from "../../../src/adapters/host/exec.ts";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import { createApp } from "../../../src/app/app.ts";
import { buildHost } from "../../../src/app/host-build.ts";
import supportBundle from "../../../src/cli/commands/support-bundle.ts";
import { OperationError } from "../../../src/errors.ts";
import { buildBundle } from "../../../src/flows/support-bundle/bundle.ts";
import { BUNDLE_CONTENTS } from "../../../src/flows/support-bundle/contents.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { CLUSTER, type DaemonWorld, makeRegistered, startDaemonWorld } from "../../daemon/harness.ts";
import { cli } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";

// The four secrets of the acceptance test, planted where an operator's host would have them.
const ACTIVATION_CODE = "Zq7x/ACTIVATIONc0de9";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDKEY";
const REGISTRY_PASSWORD = "REGISTRY-PASSWORD-PLANTED";
const PROXY_PASSWORD = "PROXY-PASSWORD-PLANTED";
const PROXY_URL = `http://user:${PROXY_PASSWORD}@proxy:3128`;
// What the instance role's credentials file holds (harness setCredentials): learnt, never shipped.
const INSTANCE_SECRET = "INSTANCE-SECRET-KEY";
const SECRETS = [ACTIVATION_CODE, AWS_SECRET, REGISTRY_PASSWORD, PROXY_PASSWORD, INSTANCE_SECRET];

const AUTH_DATA = JSON.stringify({
  "https://index.docker.io/v1/": { username: "me", password: REGISTRY_PASSWORD, email: "me@example.com" },
});

let world: DaemonWorld;
let scratch: string;
let configFile: string;
const journalCalls: string[][] = [];

/** journalctl as a host with a proxy would answer it; a unit without a journal fails; anything else runs for real. */
const fakeRun: RunCommand = async (cmd, args, options) => {
  if (cmd !== "journalctl") return realRun(cmd, args, options);
  journalCalls.push([...args]);
  const unit = args[args.indexOf("-u") + 1];
  const base = { command: `journalctl ${args.join(" ")}`, timedOut: false, durationMs: 1, stderr: "" };
  if (unit === "ecs-anywhere-register") {
    return { ...base, exitCode: 1, stdout: "", stderr: "-- No entries --\nNo journal files were found." };
  }
  const lines = [
    `2026-12-01T10:00:00+0000 host ${unit}[42]: started`,
    `2026-12-01T10:00:01+0000 host ${unit}[42]: using proxy ${PROXY_URL} for registry pulls`,
    `2026-12-01T10:00:02+0000 host ${unit}[42]: retrying with password ${PROXY_PASSWORD}`,
    `2026-12-01T10:00:03+0000 host ${unit}[42]: {"ActivationCode":"${ACTIVATION_CODE}","Region":"eu-west-1"}`,
  ];
  return { ...base, exitCode: 0, stdout: `${lines.join("\n")}\n` };
};

const deps = () => ({
  clock: fakeClock(new Date("2026-12-01T10:30:00Z")),
  host: {
    run: fakeRun,
    system: { uid: () => 0, hostname: () => "edge-01", freeBytes: async () => 50 * 2 ** 30 },
  },
});

function bundleArgs(out: string, more: string[] = []): string[] {
  return [
    "support-bundle",
    "--config",
    configFile,
    "--root",
    world.host.root,
    "--ecs-agent-url",
    world.host.introspectionUrl,
    "--out",
    out,
    ...more,
  ];
}

beforeAll(async () => {
  world = await startDaemonWorld();
  const { host } = world;
  makeRegistered(host, new Date("2026-12-01T10:00:00Z"));
  scratch = mkdtempSync(join(tmpdir(), "support-bundle-"));
  // No daemon answers on a closed port; the install script URL is loopback (no network in tests).
  configFile = join(scratch, "config.yaml");
  writeFileSync(
    configFile,
    `cluster: ${CLUSTER}\nhealth:\n  listen: 127.0.0.1:1\nhost:\n  installScript:\n    url: ${world.emu.url}/install.sh\n`,
  );
  host.writeFile(
    "/etc/ecs/ecs.config",
    `${host.readFile("/etc/ecs/ecs.config")}ECS_ENGINE_AUTH_TYPE=dockercfg\nECS_ENGINE_AUTH_DATA=${AUTH_DATA}\nHTTP_PROXY=${PROXY_URL}\nNO_PROXY=169.254.169.254,169.254.170.2,/var/run/docker.sock\n# HTTPS_PROXY=${PROXY_URL}\n`,
    0o600,
  );
  host.writeFile(
    "/var/lib/ecs/ecs.config",
    `ECS_EXTERNAL=true\nAWS_DEFAULT_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=AKIAPLANTEDKEY000001\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n`,
    0o600,
  );
  host.writeFile(
    "/etc/systemd/system/docker.service.d/http-proxy.conf",
    `[Service]\nEnvironment="HTTP_PROXY=${PROXY_URL}"\nEnvironment="NO_PROXY=169.254.169.254"\n`,
  );
  host.writeFile("/etc/docker/daemon.json", JSON.stringify({ proxies: { "http-proxy": PROXY_URL } }));
  host.writeFile(
    "/var/log/ecs-anywhere-agent/install-20261201T095900000Z.log",
    `# Trying to register with SSM ...\nbash ecs-anywhere-install.sh --region eu-west-1 --activation-code ${ACTIVATION_CODE}\n`,
    0o600,
  );
  host.writeFile("/var/log/ecs-anywhere-agent/install-20261130T080000000Z.log", "the older run\n", 0o600);
  host.writeFile(
    "/var/log/ecs/ecs-agent.log",
    `level=info time=2026-12-01T10:00:00Z msg="Registered container instance"\nlevel=debug msg="creds" aws_secret_access_key = ${AWS_SECRET}\nlevel=debug msg="pull auth" ${REGISTRY_PASSWORD}\n`,
  );
  host.writeFile("/var/log/ecs/ecs-init.log", `level=info msg="agent started" key=${INSTANCE_SECRET}\n`);
  host.writeFile(
    "/var/log/amazon/ssm/amazon-ssm-agent.log",
    `INFO amazon-ssm-agent -register -code ${ACTIVATION_CODE} -id 1234 -region eu-west-1\nINFO Authorization: AWS4-HMAC-SHA256 Credential=ASIAPLANTEDKEY000002/20261201\n`,
  );
  host.writeFile(
    "/var/lib/ecs-anywhere-agent/state.json",
    JSON.stringify({ version: 1, updatedAt: "2026-12-01T10:00:00Z", journal: [] }),
    0o600,
  );
});

afterAll(async () => {
  await world.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("support-bundle", () => {
  it("writes a 0600 tar.gz with everything support asks for, and no planted secret in any file", async () => {
    const out = join(scratch, "case.tar.gz");
    const run = await cli(bundleArgs(out, ["--output", "json"]), world.env, deps());
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: true, path: out, bytes: statSync(out).size });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(scratch).filter((name) => name.includes(".tmp-"))).toEqual([]);

    // The system tar reads it: every entry a regular file, mode 0600, under one folder.
    const listing = execFileSync("tar", ["-tvzf", out], { encoding: "utf8" }).trim().split("\n");
    expect(listing.every((line) => line.startsWith("-rw-------"))).toBe(true);
    const names = execFileSync("tar", ["-tzf", out], { encoding: "utf8" }).trim().split("\n");
    const folder = "ecs-anywhere-support-edge-01-20261201T103000Z";
    expect(names.every((name) => name.startsWith(`${folder}/`))).toBe(true);
    const entries = names.map((name) => name.slice(folder.length + 1));
    expect(entries).toEqual(result.entries);
    for (const wanted of [
      "MANIFEST.json",
      "agent/check.json",
      "agent/status.json",
      "agent/config.json",
      "agent/state.json",
      "agent/install.log",
      "host/facts.json",
      "host/versions.json",
      "ecs/introspection.json",
      "ecs/etc-ecs-ecs.config",
      "ecs/var-lib-ecs-ecs.config",
      "ecs/ecs-agent.log",
      "ecs/ecs-init.log",
      "ssm/amazon-ssm-agent.log",
      "docker/daemon.json",
      "systemd/docker.service.d/http-proxy.conf",
      "journal/ecs.log",
      "journal/amazon-ssm-agent.log",
      "journal/docker.log",
      "journal/ecs-anywhere-agent.log",
    ]) {
      expect(entries, wanted).toContain(wanted);
    }

    const extracted = join(scratch, "extracted");
    mkdirSync(extracted);
    execFileSync("tar", ["-xzf", out, "-C", extracted]);
    const files = filesUnder(extracted);
    expect(files.map((file) => relative(join(extracted, folder), file)).sort()).toEqual([...entries].sort());
    // grep over every extracted file: each planted secret is found 0 times.
    for (const secret of SECRETS) {
      const grep = spawnSync("grep", ["-rcF", "--", secret, extracted], { encoding: "utf8" });
      // Exit 1: no line matched (0 would be a match, 2 an error); one count line per file it read.
      expect(grep.status, `${secret}: ${grep.stdout}`).toBe(1);
      const counts = grep.stdout.trim().split("\n");
      expect(counts).toHaveLength(files.length);
      expect(counts.every((line) => line.endsWith(":0"))).toBe(true);
    }
    expect(run.stdout + run.stderr).not.toContain(PROXY_PASSWORD);

    const read = (name: string) => readFileSync(join(extracted, folder, name), "utf8");
    // ecs.config: every key kept, secret values masked, the proxy's userinfo masked, comments not shown.
    const ecsConfig = read("ecs/etc-ecs-ecs.config");
    expect(ecsConfig).toContain(`ECS_CLUSTER=${CLUSTER}`);
    expect(ecsConfig).toContain("ECS_ENGINE_AUTH_DATA=****");
    expect(ecsConfig).toContain("HTTP_PROXY=http://****@proxy:3128");
    expect(ecsConfig).toContain("NO_PROXY=169.254.169.254,169.254.170.2,/var/run/docker.sock");
    expect(ecsConfig).toMatch(/# \(line \d+: not a setting, not shown\)/);
    expect(read("ecs/var-lib-ecs-ecs.config")).toContain("AWS_SECRET_ACCESS_KEY=****");
    expect(read("ecs/var-lib-ecs-ecs.config")).toContain("AWS_ACCESS_KEY_ID=****");
    expect(read("systemd/docker.service.d/http-proxy.conf")).toContain("HTTP_PROXY=http://****@proxy:3128");
    expect(read("agent/install.log")).toContain("--activation-code ****");
    // What support needs stays readable.
    expect(read("journal/docker.log")).toContain("using proxy http://****@proxy:3128 for registry pulls");
    expect(read("ecs/ecs-agent.log")).toContain('msg="Registered container instance"');
    expect(JSON.parse(read("agent/check.json")).checks.length).toBeGreaterThan(5);
    expect(typeof JSON.parse(read("agent/status.json")).ready).toBe("boolean");
    expect(JSON.parse(read("agent/config.json")).config.cluster).toBe(CLUSTER);
    expect(JSON.parse(read("host/versions.json"))).toMatchObject({
      ecsAgent: "Amazon ECS Agent - v1.89.0 (fake0001)",
      node: process.version,
    });
    expect(JSON.parse(read("host/facts.json"))).toMatchObject({ architecture: expect.any(String), uid: 0 });

    // The manifest: what was masked, and what could not be collected (a failing journalctl is recorded).
    const manifest = JSON.parse(read("MANIFEST.json"));
    expect(manifest.masked.total).toBe(result.masked.total);
    expect(manifest.masked.byRule).toMatchObject({
      "url-userinfo": expect.any(Number),
      "activation-code-flag": expect.any(Number),
      "known-value": expect.any(Number),
    });
    expect(manifest.notCollected).toContainEqual(
      expect.objectContaining({
        name: "journal/ecs-anywhere-register.log",
        reason: expect.stringContaining("exit 1"),
      }),
    );
    expect(journalCalls).toContainEqual(["-u", "docker", "-n", "2000", "--no-pager", "-o", "short-iso"]);
  });

  it("in text, says where it wrote the bundle and what it could not collect, never a secret", async () => {
    const out = join(scratch, "text.tar.gz");
    const run = await cli(bundleArgs(out), world.env, deps());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^wrote ${out.replace(/[.]/g, "\\.")} \\(\\d+ bytes, mode 0600\\): \\d+ files, [1-9]\\d* secret value`,
      ),
    );
    expect(run.stdout).toContain(
      "not collected: journal/ecs-anywhere-register.log (journalctl -u ecs-anywhere-register",
    );
    for (const secret of SECRETS) expect(run.stdout + run.stderr).not.toContain(secret);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it("--dry-run lists what would be collected and writes nothing", async () => {
    const out = join(scratch, "dry.tar.gz");
    const run = await cli(bundleArgs(out, ["--dry-run"]), world.env, deps());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`would write ${out}`);
    expect(run.stdout).toContain("PLAN journal/UNIT.log: journalctl -u UNIT -n 2000");
    expect(run.stdout).toContain("PLAN ecs/etc-ecs-ecs.config: /etc/ecs/ecs.config");
    expect(() => statSync(out)).toThrow();
  });

  it("bad input is one line, exit 2, nothing written", async () => {
    const missingFolder = await cli(bundleArgs(join(scratch, "nope", "x.tar.gz")), world.env, deps());
    expect(missingFolder.code).toBe(2);
    expect(missingFolder.stderr).toMatch(/^error \(input\): --out: no such folder: /m);
    const existing = join(scratch, "existing.tar.gz");
    writeFileSync(existing, "keep me");
    const taken = await cli(bundleArgs(existing), world.env, deps());
    expect(taken.code).toBe(2);
    expect(readFileSync(existing, "utf8")).toBe("keep me");
    const badUrl = await cli(
      [...bundleArgs(join(scratch, "y.tar.gz")), "--ecs-agent-url", "ftp://x"],
      world.env,
      deps(),
    );
    expect(badUrl.code).toBe(2);
    expect(() => statSync(join(scratch, "y.tar.gz"))).toThrow();
  });

  it("observes the SSM agent's unit with one systemctl show and reads os-release once", async () => {
    // Every collector but the in-process check and status, which observe the host as those commands do.
    const collectors = BUNDLE_CONTENTS.filter((c) => !/^agent\/(check|status)\.json$/.test(c.name));
    const app = createApp(
      { env: world.env, stdout: () => {}, stderr: () => {}, ...deps() },
      { output: "json", logLevel: "silent", config: configFile },
    );
    const hostFlags = { root: world.host.root, ecsAgentUrl: world.host.introspectionUrl };
    const built = await buildHost(app, hostFlags, "eu-west-1");
    const reads = vi.spyOn(HostFs.prototype, "readText");
    const from = world.host.systemctlCalls().length;
    try {
      const { manifest } = await buildBundle(
        { app, built, hostFlags, region: undefined, agentVersion: "0.0.0-test" },
        collectors,
        "observed-once",
      );
      expect(manifest.entries.map((entry) => entry.name)).toContain("journal/amazon-ssm-agent.log");
      const ssmShows = world.host
        .systemctlCalls()
        .slice(from)
        .filter((call) => call.startsWith("show ") && call.includes("amazon-ssm-agent"));
      expect(ssmShows).toEqual(["show --property=LoadState snap.amazon-ssm-agent.amazon-ssm-agent.service"]);
      const osReleaseReads = reads.mock.calls.filter(([hostPath]) => hostPath.endsWith("/os-release"));
      expect(osReleaseReads).toEqual([["/etc/os-release"]]);
    } finally {
      reads.mockRestore();
    }
  });

  it("a masking that does not hold fails the command and writes nothing", async () => {
    // A redactor that misses what it knows in text not yet masked at all: the scan's first pass over a journal
    // line leaves the bare proxy password in, the verifying second pass (the URL now masked) finds it.
    class LateRedactor extends Redactor {
      override scrub(text: string): string {
        return text.includes("****") ? super.scrub(text) : text;
      }
    }
    const redactor = new LateRedactor();
    redactor.add(PROXY_PASSWORD);
    const app = createApp(
      { env: world.env, stdout: () => {}, stderr: () => {}, ...deps() },
      { output: "json", logLevel: "silent", config: configFile },
    );
    const out = join(scratch, "never.tar.gz");
    await expect(
      supportBundle(
        { ...app, redactor },
        {
          root: world.host.root,
          ecsAgentUrl: world.host.introspectionUrl,
          out,
        },
      ),
    ).rejects.toThrow(OperationError);
    expect(() => statSync(out)).toThrow();
  });
});
