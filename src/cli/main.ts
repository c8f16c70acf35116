import { Command, CommanderError, Option } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { exitCodeOf, OperationError, UsageError } from "../errors.ts";
import type { CliDeps, Context, GlobalOptions } from "./context.ts";

export const VERSION: string = packageJson.version;

type Action = (ctx: Context, options: Record<string, unknown>) => Promise<number>;

/**
 * Parses argv and runs one command. Returns the exit code: 0 ok, 1 the operation failed or is unhealthy,
 * 2 bad input (nothing was called or written). Command modules are imported only when their command runs.
 */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(deps, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other parse failure (unknown option, missing command) is bad input.
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return exitCode;
}

function buildProgram(deps: CliDeps, setExit: (code: number) => void): Command {
  const program = new Command("ecs-anywhere-agent")
    .description(
      "Puts this Linux server into an Amazon ECS cluster through ECS Anywhere, and keeps it there.",
    )
    .version(VERSION, "-V, --version", "print the version and exit")
    .option("--region <region>", "AWS region (else ECS_ANYWHERE_REGION, the config file, AWS_REGION)")
    .option("--cluster <name>", "ECS cluster name (default: default)")
    .option("--profile <name>", "AWS shared-config profile to use")
    .option("--config <file>", "YAML config file (default /etc/ecs-anywhere-agent/config.yaml if present)")
    .addOption(new Option("--output <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--dry-run", "show the plan and change nothing")
    .addOption(
      new Option("--log-level <level>", "log level for stderr").default(
        deps.env.ECS_ANYWHERE_LOG_LEVEL ?? "warn",
      ),
    )
    .option("--max-attempts <n>", "attempts per AWS call (throttling and 5xx are retried)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (text) => deps.stdout(text), writeErr: (text) => deps.stderr(text) });

  const run = (load: () => Promise<{ default: Action }>) =>
    async function (this: Command, ...args: unknown[]) {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
      setExit(await execute(deps, options, load));
    };

  program
    .command("setup")
    .description("create or repair the AWS side: instance role, execution role, task roles, cluster")
    .action(run(() => import("./commands/setup.ts")));

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
    .action(() => {
      deps.stdout(`${VERSION}\n`);
    });
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
    const { createContext } = await import("./context.ts");
    ctx = createContext(deps, options);
    const action = (await load()).default;
    return await action(ctx, options);
  } catch (error) {
    return reportFailure(ctx, deps, error);
  }
}

/** One line on stderr (plus a remediation line when known), never a stack trace, never a secret. */
function reportFailure(ctx: Context | undefined, deps: CliDeps, error: unknown): number {
  const scrub = (text: string) => ctx?.redactor.scrub(text) ?? text;
  const kind = error instanceof UsageError ? "error (input)" : "error";
  const message = error instanceof Error ? error.message : String(error);
  deps.stderr(scrub(`${kind}: ${message}\n`));
  if (error instanceof OperationError && error.remediation)
    deps.stderr(scrub(`  fix: ${error.remediation}\n`));
  if (!(error instanceof UsageError) && !(error instanceof OperationError)) {
    ctx?.log.debug({ err: error }, "unexpected failure");
  }
  return exitCodeOf(error);
}
