import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { CommandStartError, type RunCommand, run } from "../../src/adapters/host/exec.ts";
import type { SystemInfo } from "../../src/adapters/host/system.ts";
import { createApp } from "../../src/app/app.ts";
import check from "../../src/cli/commands/check.ts";
import type { CliDeps } from "../../src/cli/context.ts";
import { AMAZON_ECS_PUBLIC_KEY } from "../../src/components/install-script/amazon-ecs-key.ts";
import { exitCodeOf } from "../../src/errors.ts";
import { fakeClock } from "../support/clock.ts";

export const GIB = 1024 ** 3;
const UBUNTU =
  'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n';

/** A check's result as `check --output json` prints it (the fields tests read). */
export interface CheckJson {
  id: string;
  status: string;
  summary: string;
  remediation?: string;
}

export interface CheckRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The parsed JSON document (json output only). */
  doc: { ok: boolean; checks: CheckJson[] };
  result(name: string): CheckJson;
}

/** A loopback HTTP server; `handler` answers every request. */
export async function startServer(
  handler: http.RequestListener,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A loopback URL nobody listens on (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = await startServer(() => {});
  await server.close();
  return server.url;
}

/** gpg as installed: `--version` answers a fixed version; anything else (reading a key) runs the real gpg. */
export const gpgInstalled: RunCommand = async (cmd, args, options) => {
  if (cmd !== "gpg") throw new CommandStartError(cmd, "ENOENT", `could not start ${cmd}`);
  if (!args.includes("--version")) return run(cmd, args, options);
  return {
    command: [cmd, ...args].join(" "),
    exitCode: 0,
    stdout: "gpg (GnuPG) 2.4.4\nlibgcrypt 1.10.3\n",
    stderr: "",
    timedOut: false,
    durationMs: 3,
  };
};

export const gpgMissing: RunCommand = async (cmd, args) => {
  throw new CommandStartError([cmd, ...args].join(" "), "ENOENT", `could not start ${cmd}: ENOENT`);
};

/**
 * A healthy host in a temp ROOT: root user, x86_64, systemd, Ubuntu, Docker installed, 50 GiB free, gpg,
 * every AWS endpoint answering on loopback with a Date header from the fake clock, no ECS agent running.
 * Each test breaks one thing.
 */
export class HostFixture {
  readonly clock = fakeClock(new Date("2026-11-25T12:00:00Z"));
  system: Partial<SystemInfo> = { uid: () => 0, arch: () => "x86_64", freeBytes: async () => 50 * GIB };
  run: RunCommand = gpgInstalled;
  env: Record<string, string> = {};
  /** Added to the fake clock's time in the Date header the AWS endpoints answer with. */
  awsClockOffsetMs = 0;
  root = "";
  agentUrl = "";
  installScriptUrl = "";
  /** The armored signing key file the config names (outside ROOT, like an operator's file). */
  keyFile = "";
  #dir = "";
  #closers: (() => Promise<void>)[] = [];

  async start(): Promise<this> {
    this.#dir = await mkdtemp(path.join(tmpdir(), "preflight-"));
    this.root = path.join(this.#dir, "root");
    await this.mkdir("/run/systemd/system");
    await this.write("/etc/os-release", UBUNTU);
    await this.write("/usr/bin/docker", "#!/bin/sh\n");
    for (const tool of ["curl", "tar", "openssl"]) await this.write(`/usr/bin/${tool}`, "#!/bin/sh\n");
    this.keyFile = path.join(this.#dir, "amazon-ecs-agent.asc");
    await writeFile(this.keyFile, AMAZON_ECS_PUBLIC_KEY);
    await this.configure("");
    const aws = await this.serve((_req, res) => {
      res.setHeader("Date", new Date(this.clock.now().getTime() + this.awsClockOffsetMs).toUTCString());
      res.statusCode = 404;
      res.end();
    });
    this.env = {
      AWS_ENDPOINT_URL: aws,
      ECS_ANYWHERE_PROBE_SIGNING_KEYS_URL: aws,
      ECS_ANYWHERE_PROBE_DOCKER_URL: aws,
    };
    this.installScriptUrl = `${aws}/ecs-anywhere-install-latest.sh`;
    this.agentUrl = await closedPortUrl();
    return this;
  }

  async stop(): Promise<void> {
    for (const close of this.#closers.reverse()) await close();
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** Starts a loopback server that is closed with the fixture; returns its URL. */
  async serve(handler: http.RequestListener): Promise<string> {
    const server = await startServer(handler);
    this.#closers.push(server.close);
    return server.url;
  }

  onClose(close: () => Promise<void>): void {
    this.#closers.push(close);
  }

  path(hostPath: string): string {
    return path.join(this.root, hostPath);
  }

  async mkdir(hostPath: string): Promise<void> {
    await mkdir(this.path(hostPath), { recursive: true });
  }

  async write(hostPath: string, text: string): Promise<void> {
    await this.mkdir(path.posix.dirname(hostPath));
    await writeFile(this.path(hostPath), text);
  }

  async remove(hostPath: string): Promise<void> {
    await rm(this.path(hostPath), { recursive: true, force: true });
  }

  /**
   * Replaces the config file with region, cluster, the signing key file and `extra` (YAML lines); without the key
   * file (`keyFile: false`) the agent uses its built-in key.
   */
  async configure(extra: string, { keyFile = true } = {}): Promise<void> {
    const key = keyFile ? `    gpgKeyFile: ${this.keyFile}\n` : "";
    const withKey = !keyFile
      ? extra
      : extra.includes("\n  installScript:\n")
        ? extra.replace("\n  installScript:\n", `\n  installScript:\n${key}`)
        : extra.startsWith("host:\n")
          ? extra.replace("host:\n", `host:\n  installScript:\n${key}`)
          : `host:\n  installScript:\n${key}${extra}`;
    await writeFile(path.join(this.#dir, "config.yaml"), `region: eu-west-1\ncluster: edge\n${withKey}`);
  }

  /** Runs `check` the way the CLI would, catching errors as runCli does (exit 2 for usage errors). */
  async check(options: Record<string, unknown> = {}, output: "json" | "text" = "json"): Promise<CheckRun> {
    let stdout = "";
    let stderr = "";
    const deps: CliDeps & { host: unknown } = {
      env: this.env,
      clock: this.clock,
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      host: { system: this.system, run: this.run },
    };
    let code: number;
    try {
      const ctx = createApp(deps, {
        output,
        logLevel: "silent",
        config: path.join(this.#dir, "config.yaml"),
      });
      code = await check(ctx, {
        root: this.root,
        ecsAgentUrl: this.agentUrl,
        installScriptUrl: this.installScriptUrl,
        ...options,
      });
    } catch (error) {
      stderr += `error: ${error instanceof Error ? error.message : String(error)}\n`;
      code = exitCodeOf(error);
    }
    const doc = output === "json" && stdout !== "" ? JSON.parse(stdout) : { ok: false, checks: [] };
    return {
      code,
      stdout,
      stderr,
      doc,
      result: (name) => {
        const found = doc.checks.find((c: { id: string }) => c.id === name);
        if (found === undefined) throw new Error(`no result for check ${name}`);
        return found;
      },
    };
  }
}
