import { runCli } from "./cli/main.ts";
import { systemClock } from "./util/clock.ts";
import { dropSdkNodeVersionWarning } from "./util/warnings.ts";

dropSdkNodeVersionWarning();

// The composition root: real process streams, environment and clock.
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  clock: systemClock,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
