import { Command, CommanderError, Option } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { DOCKER_INSTALL_SOURCES } from "../checks/types.ts";
import { UsageError } from "../errors.ts";
import { LOG_LEVELS } from "../util/log-levels.ts";
import type { CliDeps, Context, GlobalOptions } from "./context.ts";
import { reportFailure } from "./failure.ts";
import { addExamples, HELP_CONFIGURATION, unknownCommandForHelp } from "./help.ts";
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

  program
    .command("check")
    .description("preflight: can this host join ECS Anywhere? runs every check; exit 1 if any fails")
    .option(
      "--skip <name>",
      "skip a check (repeatable or comma-separated): root, systemd, architecture, distribution, tools, disk, " +
        "clock-skew, endpoints, proxy, credentials, existing-registration, gpg, signing-key, docker",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--root <dir>", "host root to inspect (default /)")
    .option("--ecs-agent-url <url>", "ECS agent introspection API (default http://127.0.0.1:51678)")
    .addOption(
      new Option(
        "--docker-install-source <source>",
        "how the install script would get Docker (default all)",
      ).choices(DOCKER_INSTALL_SOURCES),
    )
    .option("--install-script-url <url>", "where the install script would be downloaded from")
    .option("--install-script <file>", "a local copy of the install script (with --install-script-sha256)")
    .option("--install-script-sha256 <hex>", "the pinned SHA-256 of --install-script")
    .option("--gpg-key-file <file>", "the Amazon ECS public key (armored) register would verify with")
    .option("--gpg-key-url <url>", "register would download the Amazon ECS public key from here instead")
    .option("--insecure-key-fingerprint <hex>", "the signing key fingerprint register would trust instead")
    .action(run(() => import("./commands/check.ts")));

  program
    .command("register")
    .description(
      "turn this host into a verified ECS container instance (safe to re-run; --dry-run shows the plan)",
    )
    .option("--root <dir>", "host root prefix (default /)")
    .option("--ecs-agent-url <url>", "ECS agent introspection API (default http://127.0.0.1:51678)")
    .option("--activation-id <id>", "use this activation instead of creating one just in time")
    .option(
      "--activation-code-file <file>",
      "file holding the activation code (or ECS_ANYWHERE_ACTIVATION_CODE)",
    )
    .option("--activation-file <file>", "the JSON written by `activation create --out`")
    .option("--install-script-url <url>", "install script URL (its signature is URL.asc)")
    .option(
      "--install-script <file>",
      "air-gapped: a local copy of the install script (with --install-script-sha256)",
    )
    .option("--install-script-sha256 <hex>", "the pinned SHA-256 of --install-script")
    .option(
      "--gpg-key-file <file>",
      "the Amazon ECS public key (default /etc/ecs-anywhere-agent/amazon-ecs-agent.asc)",
    )
    .option("--gpg-key-url <url>", "download the Amazon ECS public key from here instead")
    .option("--insecure-key-fingerprint <hex>", "trust a different signing key fingerprint (warns)")
    .option("--insecure-skip-verify", "run the install script without verifying it (loud warning)")
    .addOption(
      new Option("--docker-install-source <source>", "how the install script gets Docker").choices(
        DOCKER_INSTALL_SOURCES,
      ),
    )
    .option("--script-timeout <duration>", "kill the install script after this long (default 15m)")
    .option("--verify-timeout <duration>", "wait this long for the agent to register (default 5m)")
    .option("--lock-timeout <duration>", "wait this long for another run to finish (default 60s)")
    .option("--move", "move a host registered to another cluster (deregister, reset agent state, register)")
    .option("--delete-activation", "delete a supplied activation once registration is verified")
    .option(
      "--skip <name>",
      "skip a phase (preflight, normalize-config, verify, activation-cleanup) or a preflight check (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .action(run(() => import("./commands/register.ts")));

  program
    .command("deregister")
    .description(
      "take this host out of ECS and SSM and reset it; runs every action, reports each (--dry-run shows them)",
    )
    .option("--root <dir>", "host root prefix (default /)")
    .option("--ecs-agent-url <url>", "ECS agent introspection API (default http://127.0.0.1:51678)")
    .option("--drain", "set the container instance DRAINING and wait for its tasks to stop first")
    .option("--drain-timeout <duration>", "wait this long for the tasks to stop (default 10m)")
    .option("--force", "deregister the container instance even while tasks run on it")
    .option("--purge", "also remove the amazon-ecs-init and amazon-ssm-agent packages and their folders")
    .option("--local-only", "skip the AWS calls (the instances stay registered in ECS and SSM)")
    .option("--lock-timeout <duration>", "wait this long for another run to finish (default 60s)")
    .action(run(() => import("./commands/deregister.ts")));

  program
    .command("upgrade")
    .description(
      "upgrade ecs-init (the ECS agent) and the SSM agent from their verified packages; verifies, rolls back on failure",
    )
    .option("--root <dir>", "host root prefix (default /)")
    .option("--ecs-agent-url <url>", "ECS agent introspection API (default http://127.0.0.1:51678)")
    .addOption(
      new Option("--component <name>", "what to upgrade").choices(["ecs", "ssm", "all"]).default("all"),
    )
    .option(
      "--ecs-version <version>",
      "ecs-init package version, e.g. 1.90.0-1 (default host.ecsVersion of the config, latest)",
    )
    .option("--ssm-version <version>", "SSM agent version (default latest; a snap follows its channel)")
    .option(
      "--ecs-source <url>",
      "folder URL holding the ecs-init packages (default the region's amazon-ecs-agent bucket)",
    )
    .option(
      "--ssm-source <url>",
      "folder URL holding the SSM agent packages (default the region's amazon-ssm bucket)",
    )
    .option("--gpg-key-file <file>", "the Amazon ECS public key that signs ecs-init (default: built in)")
    .option("--gpg-key-url <url>", "download the Amazon ECS public key from here instead")
    .option("--insecure-key-fingerprint <hex>", "trust a different ecs-init signing key fingerprint (warns)")
    .option(
      "--ssm-gpg-key-file <file>",
      "the SSM Agent public key (with --insecure-ssm-key-fingerprint; default: built in)",
    )
    .option(
      "--insecure-ssm-key-fingerprint <hex>",
      "trust a different SSM agent signing key fingerprint (warns)",
    )
    .option("--drain", "with tasks running: set the container instance DRAINING first, ACTIVE again after")
    .option("--drain-timeout <duration>", "wait this long for the tasks to stop (default 10m)")
    .option("--verify-timeout <duration>", "wait this long for the upgraded agent to reconnect (default 5m)")
    .option("--download-timeout <duration>", "abandon a package download after this long (default 10m)")
    .option("--no-rollback", "on a failed verification, stop instead of reinstalling the previous version")
    .option("--local-only", "no AWS calls: no drain, no control-plane check (the local checks still run)")
    .option("--lock-timeout <duration>", "wait this long for another run to finish (default 60s)")
    .action(run(() => import("./commands/upgrade.ts")));

  program
    .command("daemon")
    .description(
      "keep this host healthy: probe it, repair drift, serve /livez /readyz /status /metrics (systemd Type=notify)",
    )
    .option("--root <dir>", "host root prefix (default /)")
    .option("--ecs-agent-url <url>", "ECS agent introspection API (default http://127.0.0.1:51678)")
    .option("--listen <host:port>", "where to serve HTTP (default health.listen, 127.0.0.1:9745)")
    .option("--register-on-start", "register an unregistered host first (needs an activation source)")
    .option(
      "--activation-file <file>",
      "with --register-on-start: the JSON written by `activation create --out`",
    )
    .action(run(() => import("./commands/daemon.ts")));

  program
    .command("status")
    .description("is this host ready? asks the running daemon, else probes once; exit 0 ready, 1 not")
    .option("--root <dir>", "host root prefix (default /)")
    .option("--ecs-agent-url <url>", "ECS agent introspection API (default http://127.0.0.1:51678)")
    .option("--listen <host:port>", "where the daemon serves (default health.listen, 127.0.0.1:9745)")
    .option("--no-daemon", "do not ask the daemon: probe now")
    .action(run(() => import("./commands/status.ts")));

  program
    .command("support-bundle")
    .description(
      "write one .tar.gz (mode 0600) for AWS Support: check, status, config, ecs.config, logs, journals, versions; secrets masked (--dry-run lists it)",
    )
    .option("--root <dir>", "host root prefix (default /)")
    .option("--ecs-agent-url <url>", "ECS agent introspection API (default http://127.0.0.1:51678)")
    .option(
      "--out <file>",
      "the file to write (default ./ecs-anywhere-support-HOST-TIME.tar.gz); never overwritten",
    )
    .action(run(() => import("./commands/support-bundle.ts")));

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
