import { rm, writeFile } from "node:fs/promises";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHECK_NAMES } from "../../src/checks/index.ts";
import { AMAZON_ECS_PUBLIC_KEY } from "../../src/components/install-script/amazon-ecs-key.ts";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../../src/components/install-script/verify.ts";
import { generateTestKey, type TestKey } from "../components/install-script/gpg-keys.ts";
import { closedPortUrl, GIB, gpgMissing, HostFixture, startServer } from "./host-fixture.ts";

let host: HostFixture;
beforeEach(async () => {
  host = await new HostFixture().start();
});
afterEach(() => host.stop());

describe("check on a healthy host", () => {
  it("passes every check and exits 0", async () => {
    const run = await host.check();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.doc.ok).toBe(true);
    expect(run.doc.checks.map((c) => c.id)).toEqual(CHECK_NAMES);
    for (const result of run.doc.checks) expect(result, result.id).toMatchObject({ status: "ok" });
  });

  it("prints one line per check and a summary in text output", async () => {
    const run = await host.check({}, "text");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    for (const name of CHECK_NAMES)
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^OK ${name}\\b`)));
    expect(lines.at(-1)).toMatch(
      new RegExp(`^${CHECK_NAMES.length} ok, 0 warning\\(s\\), 0 failed, 0 skipped: this host is ready`),
    );
  });
});

type Breakage = [
  check: string,
  why: string,
  breakIt: (host: HostFixture) => Promise<Record<string, unknown> | undefined>,
  expected: RegExp,
];

const BREAKAGES: Breakage[] = [
  [
    "root",
    "it runs as an ordinary user",
    async (h) => {
      h.system.uid = () => 1000;
      return undefined;
    },
    /uid 1000/,
  ],
  [
    "systemd",
    "/run/systemd/system is missing",
    async (h) => {
      await h.remove("/run/systemd");
      return undefined;
    },
    /systemd/,
  ],
  [
    "architecture",
    "the CPU is 32-bit ARM",
    async (h) => {
      h.system.arch = () => "armv7l";
      return undefined;
    },
    /armv7l/,
  ],
  [
    "distribution",
    "the distribution is unknown",
    async (h) => {
      await h.write("/etc/os-release", "ID=gentoo\n");
      return undefined;
    },
    /gentoo/,
  ],
  [
    "disk",
    "/var/lib has 1 GiB free",
    async (h) => {
      h.system.freeBytes = async () => GIB;
      return undefined;
    },
    /1\.0 GiB/,
  ],
  [
    "clock-skew",
    "the host clock is 10 minutes ahead",
    async (h) => {
      h.awsClockOffsetMs = -10 * 60_000;
      return undefined;
    },
    /10m ahead of AWS/,
  ],
  [
    "endpoints",
    "the ECS endpoint refuses connections",
    async (h) => {
      h.env.AWS_ENDPOINT_URL_ECS = await closedPortUrl();
      return undefined;
    },
    /unreachable: ecs \(http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\)/,
  ],
  [
    "proxy",
    "ecs.config sets a proxy without NO_PROXY",
    async (h) => {
      await h.write("/etc/ecs/ecs.config", "ECS_CLUSTER=edge\nHTTPS_PROXY=http://proxy:3128\n");
      return undefined;
    },
    /NO_PROXY lacks 169\.254\.169\.254, 169\.254\.170\.2, \/var\/run\/docker\.sock/,
  ],
  [
    "credentials",
    "the ECS service has static keys",
    async (h) => {
      const conf = "[Service]\nEnvironment=AWS_ACCESS_KEY_ID=AKIAPLANTED000000000\n";
      await h.write("/etc/systemd/system/ecs.service.d/keys.conf", conf);
      return undefined;
    },
    /AWS_ACCESS_KEY_ID/,
  ],
  [
    "existing-registration",
    "the host is registered to another cluster",
    async (h) => {
      await h.write("/var/lib/ecs/data/agent.db", "bbolt");
      await h.write("/etc/ecs/ecs.config", "ECS_CLUSTER=staging\n");
      return undefined;
    },
    /registered to cluster staging/,
  ],
  [
    "gpg",
    "gpg is not installed",
    async (h) => {
      h.run = gpgMissing;
      return undefined;
    },
    /gpg is not installed/,
  ],
  [
    "tools",
    "openssl is not installed",
    async (h) => {
      await h.remove("/usr/bin/openssl");
      return undefined;
    },
    /^not installed: openssl \(the install script runs it and stops with exit 127 without\)$/,
  ],
  [
    "tools",
    "GPU support is on without nvidia-smi",
    async (h) => {
      await h.configure("host:\n  enableGpu: true\n");
      return undefined;
    },
    /^not installed: nvidia-smi/,
  ],
  [
    "endpoints",
    "the host the install script downloads its signing keys from is unreachable",
    async (h) => {
      h.env.ECS_ANYWHERE_PROBE_SIGNING_KEYS_URL = await closedPortUrl();
      return undefined;
    },
    /^unreachable: signing-keys \(http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\)$/,
  ],
  [
    "endpoints",
    "Docker's repository is unreachable while the install script would install Docker from it",
    async (h) => {
      await h.remove("/usr/bin/docker");
      h.env.ECS_ANYWHERE_PROBE_DOCKER_URL = await closedPortUrl();
      return undefined;
    },
    /^unreachable: docker-repository \(http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\)$/,
  ],
  [
    "signing-key",
    "the signing key file the config names is missing",
    async (h) => {
      await rm(h.keyFile);
      return undefined;
    },
    /the Amazon ECS signing key is missing: \/\S+amazon-ecs-agent\.asc$/,
  ],
  [
    "docker",
    "Docker is absent and the operator chose not to install it",
    async (h) => {
      await h.remove("/usr/bin/docker");
      return { dockerInstallSource: "none" };
    },
    /RHEL needs Docker preinstalled/,
  ],
];

describe("check reports each problem on its own", () => {
  it.each(BREAKAGES)(
    "fails %s when %s, naming it and its fix, and still runs the others",
    async (name, _why, breakIt, expected) => {
      const options = (await breakIt(host)) ?? {};
      const run = await host.check(options);
      expect(run.code).toBe(1);
      expect(run.doc.ok).toBe(false);
      const result = run.result(name);
      expect(result.status).toBe("failed");
      expect(result.summary).toMatch(expected);
      expect(result.remediation).toMatch(/\S/);
      expect(result.remediation).not.toContain("\n");
      const others = run.doc.checks.filter((c) => c.id !== name);
      expect(others).toHaveLength(CHECK_NAMES.length - 1);
      for (const other of others) expect(other, other.id).toMatchObject({ status: "ok" });
    },
  );

  it("prints a FAIL line and a fix line in text output", async () => {
    await host.remove("/usr/bin/docker");
    const run = await host.check({ dockerInstallSource: "none" }, "text");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL docker: Docker is not installed .*\n {2}fix: install Docker/m);
    expect(run.stdout).toMatch(/1 failed, 0 skipped: fix the failures above/);
  });

  it("warns, without failing, when /var/lib has between 2 and 10 GiB free", async () => {
    host.system.freeBytes = async () => 5 * GIB;
    const run = await host.check({}, "text");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^WARN disk: 5\.0 GiB free on \/var\/lib\n {2}fix: /m);
  });
});

describe("check --skip", () => {
  it("skips the named checks and reports them as skipped", async () => {
    host.run = gpgMissing;
    const run = await host.check({ skip: ["gpg", "clock-skew"] });
    expect(run.code).toBe(0);
    expect(run.result("gpg")).toMatchObject({ status: "skipped" });
    expect(run.result("clock-skew")).toMatchObject({ status: "skipped" });
  });

  it("accepts comma-separated names", async () => {
    const run = await host.check({ skip: ["gpg,docker"] });
    expect([run.result("gpg").status, run.result("docker").status]).toEqual(["skipped", "skipped"]);
  });

  it("rejects an unknown check name as bad input (exit 2) and runs nothing", async () => {
    const run = await host.check({ skip: ["gpgg"] });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/--skip: unknown check "gpgg"/);
  });
});

describe("check options", () => {
  it("--gpg-key-file and --gpg-key-url name the key register would verify with", async () => {
    await rm(host.keyFile);
    expect((await host.check()).result("signing-key").status).toBe("failed");
    const server = await startServer((_req, res) => res.end(AMAZON_ECS_PUBLIC_KEY));
    try {
      const url = await host.check({ gpgKeyUrl: `${server.url}/amazon-ecs-agent.asc` });
      expect(url.result("signing-key")).toMatchObject({
        status: "ok",
        summary: expect.stringContaining(`the key from ${server.url} (${AMAZON_ECS_KEY_FINGERPRINT})`),
      });
    } finally {
      await server.close();
    }
    const elsewhere = `${host.root}/key.asc`;
    await host.write("/key.asc", AMAZON_ECS_PUBLIC_KEY);
    expect((await host.check({ gpgKeyFile: elsewhere })).result("signing-key").status).toBe("ok");
    await host.write("/key.asc", "key");
    expect((await host.check({ gpgKeyFile: elsewhere })).result("signing-key")).toMatchObject({
      status: "failed",
      summary: `the key file ${elsewhere} holds no OpenPGP public key`,
    });
  });

  it("rejects an unknown --docker-install-source", async () => {
    const run = await host.check({ dockerInstallSource: "podman" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--docker-install-source: must be one of all, docker, distro, none/);
  });

  it("rejects a --root that does not exist", async () => {
    const run = await host.check({ root: `${host.root}/missing` });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--root: no such directory/);
  });

  it("rejects --install-script without --install-script-sha256", async () => {
    const run = await host.check({ installScript: "/tmp/install.sh" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/go together/);
  });
});

describe("the signing-key check", () => {
  const keys: TestKey[] = [];
  afterAll(async () => {
    await Promise.all(keys.map((key) => key.dispose()));
  });
  /** A config whose key file holds `key`, pinned by its fingerprint. */
  async function useKey(key: TestKey): Promise<void> {
    keys.push(key);
    await writeFile(host.keyFile, key.publicKey);
    await host.configure(`host:\n  installScript:\n    fingerprint: ${key.fingerprint}\n`);
  }

  it("uses the Amazon ECS key built into the agent when no key file or URL is configured", async () => {
    await host.configure("", { keyFile: false });
    await rm(host.keyFile);
    const run = await host.check();
    expect(run.result("signing-key")).toMatchObject({
      status: "ok",
      summary: `the Amazon ECS key built into the agent (${AMAZON_ECS_KEY_FINGERPRINT}): valid, no expiry`,
    });
  });

  it("warns when the key expires within 30 days, naming the date and the fix", async () => {
    await useKey(await generateTestKey("Expires soon", { signingSubkey: true, expires: "10d" }));
    const run = await host.check({}, "text");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^WARN signing-key: the key file .* \([0-9A-F]{40}\): the primary key expires \d{4}-\d\d-\d\d\n/m,
    );
    expect(run.stdout).toMatch(/^ {2}fix: get the renewed key/m);
  });

  it("fails when the key has expired", async () => {
    await useKey(
      await generateTestKey("Expired", { signingSubkey: true, expires: "30d", createdDaysAgo: 60 }),
    );
    const run = await host.check();
    expect(run.code).toBe(1);
    expect(run.result("signing-key")).toMatchObject({
      status: "failed",
      summary: expect.stringMatching(/the primary key [0-9A-F]{40} expired \d{4}-\d\d-\d\d$/),
    });
  });

  it("fails when the key is not the pinned one: the script would be refused later", async () => {
    const other = await generateTestKey("Someone else");
    keys.push(other);
    await writeFile(host.keyFile, other.publicKey);
    const run = await host.check();
    expect(run.result("signing-key")).toMatchObject({
      status: "failed",
      summary: `the key file ${host.keyFile} is key ${other.fingerprint}, not the pinned ${AMAZON_ECS_KEY_FINGERPRINT}: the script would be refused`,
    });
  });
});
