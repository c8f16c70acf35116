import { Command, CommanderError, Option } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { UsageError } from "../errors.ts";
import { LOG_LEVELS } from "../util/log-levels.ts";
import type { CliDeps, Context, GlobalOptions } from "./context.ts";
import { reportFailure } from "./failure.ts";
import { addExamples, HELP_CONFIGURATION, unknownCommandForHelp } from "./help.ts";
import { addHostCommands } from "./host-commands.ts";
import { decideColour, withEscapedOutput, wrapWidths } from "./io.ts";
import {
  envValueOf,
  OUTPUT_ENV,
  OUTPUTS,
  printJson,
  requestedOutput,
  usageMessage,
} from "./output-format.ts";

export const VERSION: string = packageJson.version;

type Action = (ctx: Context, options: Record<string, unknown>) => Promise<number>;

/** A command's action: loads the command's module (only when it runs) and runs its default export. */
export type Run = (
  load: () => Promise<{ default: Action }>,
) => (this: Command, ...args: unknown[]) => Promise<void>;

/**
 * Parses argv and runs one command. Returns the exit code: 0 ok, 1 the operation failed or is unhealthy,
 * 2 bad input (nothing was called or written). Command modules are imported only when their command runs.
 */
export async function runCli(argv: string[], rawDeps: CliDeps): Promise<number> {
  const envOutput = envValueOf(rawDeps.env, OUTPUT_ENV);
  // Known before commander parses anything, so a usage error too gets its JSON document.
  const json = requestedOutput(argv, envOutput) === "json";
  // No raw control character from a flag, a file or an answer reaches the terminal (util/escape.ts); the
  // only escape codes are our own colours, decided here once for the whole run.
  const deps = withEscapedOutput(
    rawDeps,
    decideColour(rawDeps.env, rawDeps.isTTY, json),
    json ? undefined : wrapWidths(rawDeps.isTTY, rawDeps.columns),
  );
  if (envOutput !== undefined && !OUTPUTS.includes(envOutput)) {
    return reportFailure(
      undefined,
      deps,
      new UsageError(`${OUTPUT_ENV}: must be text or json, not "${envOutput}"`),
    );
  }
  let exitCode = 0;
  let printed = "";
  const program = buildProgram(
    deps,
    (code) => {
      exitCode = code;
    },
    json
      ? (text) => {
          printed += text;
        }
      : deps.stdout,
  );
  const unknown = unknownCommandForHelp(program, argv);
  if (unknown) return reportFailure(undefined, deps, unknown, json ? "json" : "text");
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError))
      return reportFailure(undefined, deps, error, json ? "json" : "text");
    if (error.exitCode === 0) {
      // --help and --version exit 0; with JSON output their text is carried in the one document.
      if (json)
        printJson(
          deps,
          error.code === "commander.version" ? { ok: true, version: VERSION } : { ok: true, help: printed },
        );
      return 0;
    }
    // Every other parse failure (unknown option or command, missing argument or command) is bad input.
    if (json) printJson(deps, { ok: false, error: { kind: "input", message: usageMessage(error) } });
    return 2;
  }
  return exitCode;
}

function buildProgram(
  deps: CliDeps,
  setExit: (code: number) => void,
  writeOut: (text: string) => void,
): Command {
  const program = new Command("ecs-anywhere-agent")
    .description(
      "Puts this Linux server into an Amazon ECS cluster through ECS Anywhere, and keeps it there.",
    )
    .version(VERSION, "-V, --version", "print the version and exit")
    .option("--region <region>", "AWS region (else ECS_ANYWHERE_REGION, the config file, AWS_REGION)")
    .option("--cluster <name>", "ECS cluster name (default: default)")
    .option("--profile <name>", "AWS shared-config profile to use")
    .option("--config <file>", "YAML config file (default /etc/ecs-anywhere-agent/config.yaml if present)")
    .addOption(
      new Option("--output <format>", `output format (default: ${OUTPUT_ENV}, else text)`)
        .choices(OUTPUTS)
        .default(envValueOf(deps.env, OUTPUT_ENV) ?? "text", ""),
    )
    .option("--dry-run", "show the plan and change nothing")
    .addOption(
      new Option("--log-level <level>", "log level of the JSON log lines on stderr")
        .choices(LOG_LEVELS)
        .default(envValueOf(deps.env, "ECS_ANYWHERE_LOG_LEVEL") ?? "warn"),
    )
    .option("--max-attempts <n>", "attempts per AWS call (throttling and 5xx are retried)")
    .option(
      "--aws-timeout <duration>",
      "abandon and retry an AWS call's attempt unanswered after this long (default 60s)",
    )
    .configureHelp(HELP_CONFIGURATION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut,
      writeErr: (text) => deps.stderr(text),
      // A parse failure is bad input: the same prefix as every other usage error (cli/failure.ts).
      outputError: (text, write) => write(text.replace(/^error: /, "error (input): ")),
    });

  const run: Run = (load) =>
    async function (this: Command, ...args: unknown[]) {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
      setExit(await execute(deps, options, load));
    };

  program
    .command("setup")
    .description("create or repair the AWS side: instance role, execution role, task roles, cluster")
    .action(run(() => import("./commands/setup.ts")));

  addHostCommands(program, run);

  const activation = program
    .command("activation")
    .description("SSM hybrid activations for registering hosts");
  activation
    .command("create")
    .description("create a single-use, short-lived SSM activation for the instance role")
    .option("--expires-in <duration>", "lifetime, e.g. 30m, 1h, 7d (max 30d; default from config, 1h)")
    .option("--registration-limit <n>", "hosts that may register with it (1-1000; default 1)")
    .option("--instance-name <name>", "default name of the registered managed instances")
    .option("--description <text>", "activation description")
    .option(
      "--tag <key=value>",
      "tag the activation (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--out <file>", "write the activation JSON to this file (mode 0600) instead of stdout")
    .option("--force", "replace an --out file that holds an activation which can still register a host")
    .option(
      "--count <n>",
      "create N single-use activations, one per host of a fleet (1-1000; needs --out-dir), paced to SSM's rate",
    )
    .option(
      "--out-dir <dir>",
      "with --count: a new or empty folder (made 0700) for the files activation-0001.json ... (mode 0600)",
    )
    .action(run(() => import("./commands/activation-create.ts")));
  activation
    .command("sweep")
    .description("delete expired or fully used activations created by the agent")
    .action(run(() => import("./commands/activation-sweep.ts")));

  program
    .command("config")
    .description("configuration tools")
    .command("validate")
    .description("validate the configuration and print it resolved (flags > env > file > defaults)")
    .action(run(() => import("./commands/config-validate.ts")));

  program
    .command("version")
    .description("print the version")
    .action((_options: unknown, command: Command) => {
      if (command.optsWithGlobals().output === "json") printJson(deps, { ok: true, version: VERSION });
      else deps.stdout(`${VERSION}\n`);
    });
  addExamples(program);
  return program;
}

async function execute(
  deps: CliDeps,
  options: GlobalOptions & Record<string, unknown>,
  load: () => Promise<{ default: Action }>,
): Promise<number> {
  let ctx: Context | undefined;
  try {
    // Loaded on demand so --help and --version stay fast (no logger, no config schema, no AWS SDK).
    const { createApp } = await import("../app/app.ts");
    ctx = createApp(deps, options);
    const action = (await load()).default;
    return await action(ctx, options);
  } catch (error) {
    // Before the app exists (a bad ECS_ANYWHERE_LOG_LEVEL, say) the output format is the flag's.
    return reportFailure(ctx, deps, error, ctx?.output ?? (options.output === "json" ? "json" : "text"));
  }
}
