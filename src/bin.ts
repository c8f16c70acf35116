import { runCli } from "./cli/main.ts";
import { systemClock } from "./util/clock.ts";

// The AWS SDK warns on every run under Node 20 (past end of life). stdout stays clean either way (warnings go to
// stderr); the README and `check` tell operators to run Node 22/24, so the repeated multi-line notice is dropped.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === "string" ? warning : `${warning.name} ${warning.message}`;
  const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === "NodeVersionSupportWarning" || text.includes("NodeVersionSupportWarning")) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

// The composition root: real process streams, environment and clock.
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  clock: systemClock,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
