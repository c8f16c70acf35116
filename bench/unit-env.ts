// The environment the daemon's unit gives the daemon (its `Environment=` lines): glibc's allocator settings
// (MALLOC_*, field notes §9.7) and Node's options (NODE_OPTIONS, field notes §9.8). The bench runs the daemon, the
// bare node it is compared with and the health server with them, as systemd runs the daemon; the daemon also on
// the Node major production runs (22).

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { systemdWords } from "../src/checks/host-files.ts";

export const UNIT_ENV: Record<string, string> = Object.fromEntries(
  readFileSync("systemd/ecs-anywhere-agent.service", "utf8")
    .split("\n")
    .flatMap((line) => /^Environment=(.*)$/.exec(line.trim())?.slice(1) ?? [])
    .flatMap((value) => systemdWords(value))
    .map((word) => [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)])
    .filter(([name]) => name?.startsWith("MALLOC_") || name === "NODE_OPTIONS"),
);

/** The Node major production runs on (Node 20 is past its end of life). */
export const PRODUCTION_NODE = 22;

/** The path of a `node` binary of `major` (scripts/node-runtime.sh installs it on first use). */
export function nodeOf(major: number): string {
  return execFileSync("bash", ["scripts/node-runtime.sh", String(major)], { encoding: "utf8" }).trim();
}

/** This process's Node major. */
export const THIS_NODE = Number(process.versions.node.split(".")[0]);

/**
 * This process's environment without Node's own variables (NODE_EXTRA_CA_CERTS, NODE_OPTIONS, ...): what the bench
 * times or measures (a command and the bare node it is compared with) runs without them, whatever the machine that
 * runs the bench has set. NODE_EXTRA_CA_CERTS alone makes every node read and parse a certificate bundle at
 * start-up (about 40 ms and 2 MB here), which would hide the cost of what is measured (field notes §9.10).
 */
export function plainEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).flatMap(([name, value]) =>
      value === undefined || name.startsWith("NODE_") ? [] : [[name, value]],
    ),
  );
}
