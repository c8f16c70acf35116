import type { Command, Help, Option } from "commander";
import { UsageError } from "../errors.ts";

// What `COMMAND --help` shows: every flag the command accepts (its own, then the global ones), defaults in
// plain words, and examples an operator can copy.

/** Help settings for the program; subcommands inherit them. */
export const HELP_CONFIGURATION: Partial<Help> = {
  showGlobalOptions: true,
  sortSubcommands: false,
  optionDescription: describeOption,
};

/** An option's description with its choices and its default in plain words (no `[]`, no `false`, no quotes). */
export function describeOption(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`one of: ${option.argChoices.join(", ")}`);
  const fallback = plainDefault(option);
  if (fallback !== undefined) extra.push(`default: ${fallback}`);
  return extra.length > 0 ? `${option.description} (${extra.join("; ")})` : option.description;
}

function plainDefault(option: Option): string | undefined {
  // An empty description hides a default the option's own text already explains.
  if (option.defaultValueDescription !== undefined) return option.defaultValueDescription || undefined;
  const value: unknown = option.defaultValue;
  if (value === undefined || value === false) return undefined;
  if (Array.isArray(value)) return value.length > 0 ? value.join(", ") : undefined;
  return String(value);
}

/** Examples per command path ("" is the program itself). */
const EXAMPLES: Record<string, string[]> = {
  "": [
    "ecs-anywhere-agent setup --region eu-west-1 --cluster edge --dry-run",
    "ecs-anywhere-agent register --region eu-west-1 --cluster edge",
    "ecs-anywhere-agent register --help",
  ],
  setup: [
    "ecs-anywhere-agent setup --region eu-west-1 --cluster edge --dry-run   # show the plan, change nothing",
    "ecs-anywhere-agent setup --region eu-west-1 --cluster edge             # apply it (safe to re-run)",
  ],
  check: [
    "ecs-anywhere-agent check --region eu-west-1 --cluster edge",
    "ecs-anywhere-agent check --region eu-west-1 --skip docker,disk --output json",
  ],
  register: [
    "ecs-anywhere-agent register --region eu-west-1 --cluster edge --dry-run   # the whole host plan",
    "ecs-anywhere-agent register --region eu-west-1 --cluster edge             # just-in-time activation",
    "ecs-anywhere-agent register --cluster edge --activation-file /root/activation.json --delete-activation",
  ],
  deregister: [
    "ecs-anywhere-agent deregister --dry-run                # what would be done",
    "ecs-anywhere-agent deregister --drain --drain-timeout 20m",
    "ecs-anywhere-agent deregister --local-only --purge     # AWS unreachable: reset this host only",
  ],
  upgrade: [
    "ecs-anywhere-agent upgrade --dry-run                        # the plan: versions, sources, rollback",
    "ecs-anywhere-agent upgrade --component ecs --drain          # drain the tasks first, ACTIVE again after",
    "ecs-anywhere-agent upgrade --ecs-version 1.90.0-1 --output json",
  ],
  activation: [
    "ecs-anywhere-agent activation create --region eu-west-1 --out /root/activation.json",
    "ecs-anywhere-agent activation sweep --region eu-west-1",
  ],
  "activation create": [
    "ecs-anywhere-agent activation create --region eu-west-1 --out /root/activation.json   # file mode 0600",
    "ecs-anywhere-agent activation create --region eu-west-1 --expires-in 30m --registration-limit 10",
  ],
  "activation sweep": [
    "ecs-anywhere-agent activation sweep --region eu-west-1 --dry-run",
    "ecs-anywhere-agent activation sweep --region eu-west-1",
  ],
  config: ["ecs-anywhere-agent config validate --config ./config.yaml"],
  "config validate": [
    "ecs-anywhere-agent config validate                          # the default file, if present",
    "ecs-anywhere-agent config validate --config ./config.yaml --output json",
  ],
  version: ["ecs-anywhere-agent version", "ecs-anywhere-agent version --output json"],
  "support-bundle": [
    "ecs-anywhere-agent support-bundle                               # ./ecs-anywhere-support-HOST-TIME.tar.gz",
    "ecs-anywhere-agent support-bundle --out /root/case-1234.tar.gz --output json",
    "ecs-anywhere-agent support-bundle --dry-run                     # what it would collect",
  ],
};

/** Adds the Examples section to the program and every command under it. */
export function addExamples(program: Command): void {
  const visit = (command: Command, path: string) => {
    const examples = EXAMPLES[path];
    if (examples) {
      command.addHelpText("after", `\nExamples:\n${examples.map((line) => `  ${line}`).join("\n")}\n`);
    }
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, "");
}

/**
 * `--help` after (or `help` before) a command that does not exist is bad input (commander would show the program's help and
 * exit 0, which reads as if the command existed). Walks argv the way commander will, skipping option values.
 */
export function unknownCommandForHelp(program: Command, argv: readonly string[]): UsageError | undefined {
  let asksHelp = argv.some((arg) => arg === "--help" || arg === "-h");
  let command = program;
  const options: Option[] = [...program.options];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--") return undefined;
    if (arg.startsWith("-")) {
      const name = arg.split("=")[0];
      const option = options.find((candidate) => candidate.long === name || candidate.short === name);
      if (option && (option.required || option.optional) && !arg.includes("=")) index++;
      continue;
    }
    if (command.commands.length === 0) return undefined; // an argument of a leaf command
    const sub = command.commands.find(
      (candidate) => candidate.name() === arg || candidate.aliases().includes(arg),
    );
    if (arg === "help" && command === program && !asksHelp) {
      asksHelp = true; // `help COMMAND...`: the same walk over the words after it
      continue;
    }
    if (!sub) {
      if (!asksHelp) return undefined;
      const where = command === program ? "" : ` of "${command.name()}"`;
      const known = command.commands.map((candidate) => candidate.name()).join(", ");
      return new UsageError(`unknown command "${arg}"${where} (commands: ${known})`);
    }
    command = sub;
    options.push(...sub.options);
  }
  return undefined;
}
