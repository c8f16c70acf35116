import { type Command, Option } from "commander";
import { DOCKER_INSTALL_SOURCES } from "../checks/types.ts";
import type { Run } from "./main.ts";

/**
 * The commands that act on this host, in the order --help lists them: check, register, deregister, upgrade, daemon,
 * status and support-bundle. Each command's module is imported only when it runs (`run`).
 */
export function addHostCommands(program: Command, run: Run): void {
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
}
