import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** One process the agent started, as the process itself saw its start: argv and the environment it was given. */
export interface ChildCall {
  command: string;
  /** The parent's pid: the test process when the agent (run in-process) started it directly. */
  ppid: number;
  args: string[];
  env: string[];
}

export interface ChildRecorder {
  /** Put first on the PATH the agent hands to its children. */
  dir: string;
  /** `path` with the recorder's folder first. */
  pathWith(path: string): string;
  calls(): ChildCall[];
  stop(): void;
}

/**
 * Stand-ins named like every command the agent runs (the install script's bash, systemctl, the SSM agent's CLI,
 * gpg, the package tools, systemd-notify). Each records its own argv and /proc/self/environ (what the process
 * really got, not what a caller meant to pass), then execs the real command found on the PATH without the
 * recorder's folder: the command behaves exactly as before, and its own children are not recorded.
 */
export function startChildRecorder(
  commands = [
    "bash",
    "systemctl",
    "amazon-ssm-agent",
    "gpg",
    "apt-get",
    "dpkg-query",
    "dnf",
    "rpm",
    "systemd-notify",
  ],
): ChildRecorder {
  const dir = mkdtempSync(join(tmpdir(), "child-recorder-"));
  const calls = join(dir, ".calls");
  mkdirSync(calls);
  const script = [
    "#!/bin/sh",
    `calls='${calls}'`,
    'name=$(basename "$0")',
    'call=$(mktemp -u "$calls/call.XXXXXXXXXX")',
    'printf "%s\\n%s\\n" "$name" "$PPID" > "$call.head"',
    'printf "%s\\0" "$@" > "$call.args"',
    'cat "/proc/$$/environ" > "$call.env"',
    'mv "$call.head" "$call.done"',
    `PATH=$(printf "%s" "$PATH" | tr ':' '\\n' | grep -vxF '${dir}' | paste -sd: -)`,
    "export PATH",
    'exec "$name" "$@"',
    "",
  ].join("\n");
  for (const command of commands) {
    writeFileSync(join(dir, command), script);
    chmodSync(join(dir, command), 0o755);
  }
  return {
    dir,
    pathWith: (path) => [dir, path].join(delimiter),
    calls: () =>
      readdirSync(calls)
        .filter((name) => name.endsWith(".done"))
        .map((name) => {
          const base = join(calls, name.slice(0, -".done".length));
          const [command = "", ppid = "0"] = readFileSync(`${base}.done`, "utf8").split("\n");
          const split = (file: string) => readFileSync(file, "utf8").split("\0").slice(0, -1);
          return { command, ppid: Number(ppid), args: split(`${base}.args`), env: split(`${base}.env`) };
        }),
    stop: () => rmSync(dir, { recursive: true, force: true }),
  };
}
