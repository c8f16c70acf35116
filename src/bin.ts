import { runCli } from "./cli/main.ts";
import { tuneDaemonRuntime } from "./daemon/runtime.ts";
import { systemClock } from "./util/clock.ts";
import { dropSdkNodeVersionWarning } from "./util/warnings.ts";

dropSdkNodeVersionWarning();

// SIGINT/SIGTERM cancel the running command: it stops its children, cleans up and exits 130/143. A second
// signal while it does so ends the process at once.
const cancel = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (cancel.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
    cancel.abort(signal);
  });
}

// A reader that stops early (`| head`, `| grep -q`) closes the pipe: what is left to print has nowhere to go, which
// is no failure of the command. Unheard, Node throws that EPIPE as an uncaught error and a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
});

// The process's real streams, environment, clock and signals.
// No top-level await: the bundle's chunks are CommonJS (scripts/bundle.mjs).
void runCli(process.argv.slice(2), {
  env: process.env,
  clock: systemClock,
  signal: cancel.signal,
  // Only the daemon listens: for every other command SIGHUP keeps its default meaning.
  onReload: (listener) => {
    process.on("SIGHUP", listener);
    return () => process.off("SIGHUP", listener);
  },
  tuneDaemon: tuneDaemonRuntime,
  isTTY: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
  ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
