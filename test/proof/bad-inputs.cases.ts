import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CliCase, Corpus, Plant } from "./corpus.ts";

// The bad-input corpus: one row per input. Adding a case is adding a row: `run` gives the input to a command,
// `exit` and `says` are what the operator must get back, and the runner (bad-inputs.test.ts) checks on every
// row that nothing was written (ROOT and the operator's folder snapshotted before and after), that AWS saw no
// mutating call and that no stack trace was printed.

const UUID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const CODE = "AValidLookingActivationCode0";
const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";
const SHADOW =
  "root:$6$Qx3kV9eR$u8Hq2mZ0yWc4LbN7pTfA1sKdJ5gE9oIrXvB3nM6hC8lY2wQ0zU4tS7aD1fG5jK9:19000:0:99999:7:::\n";

/** `register --config FILE --dry-run`, FILE in the operator's folder. */
const registerWithConfig = (name: string) => (c: Corpus) =>
  c.register(["--config", `${c.world.scratch}/${name}`, "--dry-run"]);
/** `setup --config FILE --dry-run` (AWS is not asked: the config is refused first). */
const setupWithConfig = (name: string) => (c: Corpus) =>
  c.cloud(["setup", "--config", `${c.world.scratch}/${name}`, "--dry-run"]);
/** The daemon with this config: it must refuse to start (exit 2), never serve. */
const daemonWithConfig = (name: string) => (c: Corpus) =>
  c.host(["daemon", "--listen", "127.0.0.1:0", "--config", `${c.world.scratch}/${name}`]);
/** `status` probing once (no daemon asked) against the scripted ECS agent, each probe given 1 s. */
const probe = (c: Corpus) =>
  c.cloud([
    "status",
    "--no-daemon",
    "--root",
    c.world.host.root,
    "--ecs-agent-url",
    c.agent.url,
    "--config",
    `${c.world.scratch}/probe.yaml`,
  ]);
const PROBE_CONFIG = "region: eu-west-1\ncluster: edge\nhealth:\n  probeTimeout: 1s\n";
/** A config file `name` with `text` in the operator's folder. */
const configRow = (name: string, text: string | Buffer) => (p: Plant) => {
  p.operatorFile(name, text);
};
/** The scripted ECS agent answers every request with `body`. */
const metadata =
  (body: string, status = 200, type = "application/json") =>
  (p: Plant) => {
    p.operatorFile("probe.yaml", PROBE_CONFIG);
    p.agentAnswers((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, { "Content-Type": type });
      res.end(body);
    });
  };
const LOCK = "/var/lib/ecs-anywhere-agent/lock";
/**
 * A run that fails on the host (exit 1) after it took the lock leaves the agent's own folder behind, empty, where
 * the lock lived (as the register preflight tests document); nothing else.
 */
const LOCK_FOLDER = /^var\/lib(\/ecs-anywhere-agent)?$/;
const AGENT_DIR = "/var/lib/ecs-anywhere-agent";
const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ..."bcdefghi".split("").map((name, i) => {
    const prev = "abcdefghi"[i];
    return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`;
  }),
].join("\n");

export const CLI_CASES: CliCase[] = [
  // --- config files ---------------------------------------------------------------------------------------
  {
    name: "malformed YAML (an unclosed flow sequence)",
    area: "config file",
    arrange: configRow("unclosed.yaml", "cluster: [edge\nregion: eu-west-1\n"),
    run: registerWithConfig("unclosed.yaml"),
    exit: 2,
    says: /^error \(input\): config file \S+unclosed\.yaml: line \d+, column \d+: .+/,
  },
  {
    name: "tabs as indentation",
    area: "config file",
    arrange: configRow("tabs.yaml", "host:\n\tenableGpu: true\n"),
    run: registerWithConfig("tabs.yaml"),
    exit: 2,
    says: /^error \(input\): config file \S+tabs\.yaml: line 2, column 1: Tabs are not allowed as indentation/,
  },
  {
    name: "a key given twice",
    area: "config file",
    arrange: configRow("twice.yaml", "cluster: a\ncluster: b\n"),
    run: setupWithConfig("twice.yaml"),
    exit: 2,
    says: /^error \(input\): config file \S+twice\.yaml: line 2, column 1: Map keys must be unique$/,
  },
  {
    name: "two YAML documents in one file",
    area: "config file",
    arrange: configRow("two-docs.yaml", "cluster: edge\n---\ncluster: prod\n"),
    run: setupWithConfig("two-docs.yaml"),
    exit: 2,
    says: /holds more than one YAML document \(remove the second ---\)$/,
  },
  {
    name: "a 2 MB config file",
    area: "config file",
    arrange: configRow("huge.yaml", `cluster: edge\n${"# padding\n".repeat(210_000)}`),
    run: registerWithConfig("huge.yaml"),
    exit: 2,
    says: /^error \(input\): config file \S+huge\.yaml: cannot read it \(it is larger than the 1 MiB limit\)$/,
  },
  {
    name: "a 200 MB sparse config file named by ECS_ANYWHERE_CONFIG",
    area: "config file",
    arrange: (p) => {
      p.operatorSparse("sparse.yaml");
    },
    run: (c) => c.cloud(["setup", "--dry-run"], { ECS_ANYWHERE_CONFIG: `${c.world.scratch}/sparse.yaml` }),
    exit: 2,
    says: /^error \(input\): config file \S+sparse\.yaml: cannot read it \(it is larger than the 1 MiB limit\)$/,
  },
  {
    name: "a YAML bomb (nine levels of nine aliases: a billion laughs)",
    area: "config file",
    arrange: configRow("bomb.yaml", BOMB),
    run: registerWithConfig("bomb.yaml"),
    exit: 2,
    says: /^error \(input\): config file \S+bomb\.yaml: Excessive alias count indicates a resource exhaustion attack$/,
  },
  {
    name: "5,000 levels of nested flow sequences",
    area: "config file",
    arrange: configRow("deep.yaml", `tags: ${"[".repeat(5000)}${"]".repeat(5000)}\n`),
    run: setupWithConfig("deep.yaml"),
    exit: 2,
    says: /^error \(input\): config file \S+deep\.yaml: line 1, column \d+: nests too deeply \(its content is not shown\)$/,
  },
  {
    name: "an alias that refers to itself",
    area: "config file",
    arrange: configRow("cycle.yaml", "tags: &a\n  x: *a\n"),
    run: setupWithConfig("cycle.yaml"),
    exit: 2,
    says: /^error \(input\): config: tags\.x: must be a string \(got a mapping\) \(\S+cycle\.yaml line 2\)$/,
  },
  {
    name: "a merge key (<<) pulling settings in from an unknown top-level key",
    area: "config file",
    arrange: configRow("merge.yaml", "base: &b {enableGpu: true}\nhost:\n  <<: *b\n"),
    run: setupWithConfig("merge.yaml"),
    exit: 2,
    says: /^ {2}host\["<<"\]: unknown key \(expected one of ecsLogLevel, /,
  },
  {
    name: "a !!binary tag where a name belongs",
    area: "config file",
    arrange: configRow("binary-tag.yaml", "cluster: !!binary aGVsbG8=\n"),
    run: setupWithConfig("binary-tag.yaml"),
    exit: 2,
    says: /^error \(input\): config: cluster: must be a string \(got an object\) \(\S+ line 1\)$/,
  },
  {
    // Refused by the config's own validation. Without logLevel "error" the YAML library would also print a warning of
    // its own; the corpus runs the CLI in process and cannot see that, the bundle test does (test/build/bundle.test.ts).
    name: "a mapping key that is itself a list",
    area: "config file",
    arrange: configRow("list-key.yaml", "cluster: edge\nhealth:\n  ? [a, b]\n  : 1\n"),
    run: setupWithConfig("list-key.yaml"),
    exit: 2,
    says: /^error \(input\): config: health\["\[ a, b \]"\]: unknown key \(expected one of interval, /,
  },
  {
    name: "a list at the top level",
    area: "config file",
    arrange: configRow("list.yaml", "- cluster: edge\n"),
    run: daemonWithConfig("list.yaml"),
    exit: 2,
    says: /the top level must be a mapping of settings \(e\.g\. "cluster: production"\), not a list$/,
  },
  {
    name: "NUL bytes (a binary file)",
    area: "config file",
    arrange: configRow("binary.yaml", Buffer.from([0x63, 0x3a, 0x20, 0x00, 0x01, 0xff, 0x0a])),
    run: registerWithConfig("binary.yaml"),
    exit: 2,
    says: /^error \(input\): config file \S+binary\.yaml: is not a text file \(its content is not shown\)$/,
  },
  {
    name: "Latin-1 text (not UTF-8)",
    area: "config file",
    arrange: configRow("latin1.yaml", Buffer.from("cluster: caf\xe9\n", "latin1")),
    run: setupWithConfig("latin1.yaml"),
    exit: 2,
    says: /is not a text file \(its content is not shown\)$/,
  },
  {
    name: "a shadow-like file named by mistake (never echoed)",
    area: "config file",
    arrange: configRow("shadow", SHADOW),
    run: (c) => c.cloud(["config", "validate", "--config", `${c.world.scratch}/shadow`]),
    exit: 2,
    says: /line 1: a top-level key that is not a setting name .*\(its content is not shown\)$/,
    hides: ["$6$", "Qx3kV9eR", "19000"],
  },
  {
    name: "values of the wrong type (a word for a number, a phrase for a boolean)",
    area: "config file",
    arrange: configRow("types.yaml", "health:\n  maxRepairsPerHour: lots\nhost:\n  enableGpu: yes please\n"),
    run: daemonWithConfig("types.yaml"),
    exit: 2,
    says: /^ {2}host\.enableGpu: must be true or false \(got a string\) \(line 4\)$/,
  },
  {
    name: "a number where the cluster name belongs",
    area: "config file",
    arrange: configRow("number.yaml", "cluster: 42\n"),
    run: setupWithConfig("number.yaml"),
    exit: 2,
    says: /^error \(input\): config: cluster: must be a string \(got a number\)/,
  },
  {
    name: "an unknown top-level key (a typo)",
    area: "config file",
    arrange: configRow("typo.yaml", "clsuter: edge\n"),
    run: setupWithConfig("typo.yaml"),
    exit: 2,
    says: /^error \(input\): config: clsuter: unknown key \(expected one of region, cluster, /,
  },
  {
    name: "an unknown nested key",
    area: "config file",
    arrange: configRow("nested.yaml", "host:\n  enableGPU: true\n"),
    run: registerWithConfig("nested.yaml"),
    exit: 2,
    says: /^error \(input\): config: host\.enableGPU: unknown key \(did you mean enableGpu\?\)/,
  },
  {
    name: "an ecs.config key that starts with a digit",
    area: "config file",
    arrange: configRow("ecs-key.yaml", "ecsConfig:\n  1BAD: x\n"),
    run: registerWithConfig("ecs-key.yaml"),
    exit: 2,
    says: /^error \(input\): config: ecsConfig\["1BAD"\]: key must be an ecs\.config key: letters, digits and "_"/,
  },
  {
    name: "an ecs.config value of two lines",
    area: "config file",
    arrange: configRow("ecs-lines.yaml", 'ecsConfig:\n  ECS_RESERVED_MEMORY: "256\\nECS_CLUSTER=other"\n'),
    run: registerWithConfig("ecs-lines.yaml"),
    exit: 2,
    says: /^error \(input\): config: ecsConfig\.ECS_RESERVED_MEMORY: must be one line/,
  },
  {
    name: "instance tags that are not JSON (the agent would restart-loop)",
    area: "config file",
    arrange: configRow("tags-json.yaml", "ecsConfig:\n  ECS_CONTAINER_INSTANCE_TAGS: '{bad'\n"),
    run: registerWithConfig("tags-json.yaml"),
    exit: 2,
    says: /^error \(input\): ecs\.config: ECS_CONTAINER_INSTANCE_TAGS: .*must be a JSON object of strings/,
  },
  {
    name: "a probe interval that is not a duration (daemon)",
    area: "config file",
    arrange: configRow("interval.yaml", "health:\n  interval: soon\n"),
    run: daemonWithConfig("interval.yaml"),
    exit: 2,
    says: /^error \(input\): config: health\.interval: "soon" is not a duration/,
  },
  {
    name: "a relative token file path (daemon)",
    area: "config file",
    arrange: configRow("token.yaml", "health:\n  tokenFile: token.txt\n"),
    run: daemonWithConfig("token.yaml"),
    exit: 2,
    says: /^error \(input\): config: health\.tokenFile: must be an absolute path/,
  },
  {
    name: "an empty token file (daemon)",
    area: "config file",
    arrange: (p) => {
      const token = p.operatorFile("empty-token", "");
      p.operatorFile("empty-token.yaml", `health:\n  tokenFile: ${token}\n`);
    },
    run: daemonWithConfig("empty-token.yaml"),
    exit: 2,
    says: /^error \(input\): health\.tokenFile: \S+empty-token is missing or empty$/,
  },
  {
    name: "an instance role under a path (SSM cannot use it)",
    area: "config file",
    arrange: configRow("role-path.yaml", "instanceRole:\n  path: /team/\n"),
    run: setupWithConfig("role-path.yaml"),
    exit: 2,
    says: /^error \(input\): config: instanceRole\.path: must be "\/": SSM CreateActivation names the instance role by name only/,
  },
  {
    name: "a task role granting an invalid S3 bucket name",
    area: "config file",
    arrange: configRow("bucket.yaml", "taskRoles:\n  - name: app\n    s3:\n      - bucket: Not_A_Bucket\n"),
    run: setupWithConfig("bucket.yaml"),
    exit: 2,
    says: /^error \(input\): config: taskRoles\[0\]\.s3\[0\]\.bucket: is not a valid S3 bucket name/,
  },
  {
    name: "a config path that is a folder",
    area: "config file",
    arrange: (p) => {
      p.operatorDir("config-folder");
    },
    run: registerWithConfig("config-folder"),
    exit: 2,
    says: /^error \(input\): config file \S+config-folder: cannot read it \(it is a directory\)$/,
  },
  {
    name: "a config file that is a FIFO",
    area: "config file",
    arrange: (p) => {
      p.operatorFifo("config.fifo");
    },
    run: daemonWithConfig("config.fifo"),
    exit: 2,
    says: /cannot read it \(it is a FIFO \(named pipe\), not a regular file\)$/,
  },
  {
    name: "a config file that is a symlink to /dev/zero",
    area: "config file",
    arrange: (p) => {
      p.operatorLink("zero.yaml", "/dev/zero");
    },
    run: setupWithConfig("zero.yaml"),
    exit: 2,
    says: /cannot read it \(it is a character device, not a regular file\)$/,
  },
  {
    name: "a config file that does not exist, named by ECS_ANYWHERE_CONFIG",
    area: "config file",
    run: (c) => c.cloud(["setup", "--dry-run"], { ECS_ANYWHERE_CONFIG: `${c.world.scratch}/missing.yaml` }),
    exit: 2,
    says: /^error \(input\): config file not found: \S+missing\.yaml \(named by ECS_ANYWHERE_CONFIG\)$/,
  },
  {
    name: "an empty --config",
    area: "config file",
    run: (c) => c.cloud(["setup", "--config", "", "--dry-run"]),
    exit: 2,
    says: /^error \(input\): --config: config file path is empty$/,
  },
  {
    name: "a key of 100,000 characters",
    area: "config file",
    arrange: configRow("long-key.yaml", `${"k".repeat(100_000)}: 1\n`),
    run: setupWithConfig("long-key.yaml"),
    exit: 2,
    says: /must be at most 1024 chars after the start of an implicit block mapping key$/,
  },
  {
    name: "a cluster name of 300 characters",
    area: "config file",
    arrange: configRow("long-name.yaml", `cluster: ${"c".repeat(300)}\n`),
    run: setupWithConfig("long-name.yaml"),
    exit: 2,
    says: /^error \(input\): config: cluster: must be at most 255 characters/,
  },
  {
    name: "the config as JSON output (--output json): the error is the document's",
    area: "config file",
    arrange: configRow("json-out.yaml", "cluster: [\n"),
    run: (c) => c.cloud(["setup", "--output", "json", "--config", `${c.world.scratch}/json-out.yaml`]),
    exit: 2,
    says: /^config file \S+json-out\.yaml: line \d+, column \d+: /,
  },

  // --- flags and environment ------------------------------------------------------------------------------
  {
    name: "an unknown option (a typo)",
    area: "flags and environment",
    run: (c) => c.cloud(["setup", "--clutser", "edge"]),
    exit: 2,
    says: /^error \(input\): unknown option '--clutser'$/,
  },
  {
    name: "an unknown command",
    area: "flags and environment",
    run: (c) => c.cloud(["regster"]),
    exit: 2,
    says: /^error \(input\): unknown command 'regster'$/,
  },
  {
    name: "an --output format that does not exist",
    area: "flags and environment",
    run: (c) => c.cloud(["setup", "--output", "yaml"]),
    exit: 2,
    says: /^error \(input\): option '--output <format>' argument 'yaml' is invalid/,
  },
  {
    name: "a --log-level that does not exist",
    area: "flags and environment",
    run: (c) => c.host(["check", "--log-level", "loud"]),
    exit: 2,
    says: /^error \(input\): option '--log-level <level>' argument 'loud' is invalid/,
  },
  {
    name: "ECS_ANYWHERE_LOG_LEVEL that does not exist",
    area: "flags and environment",
    run: (c) => c.host(["check"], { ECS_ANYWHERE_LOG_LEVEL: "loud" }),
    exit: 2,
    says: /^error \(input\): --log-level \(or ECS_ANYWHERE_LOG_LEVEL\): must be one of fatal, error, warn, info, debug, trace, silent, not "loud"$/,
  },
  {
    name: "ECS_ANYWHERE_OUTPUT that does not exist",
    area: "flags and environment",
    run: (c) => c.cloud(["setup"], { ECS_ANYWHERE_OUTPUT: "xml" }),
    exit: 2,
    says: /^error \(input\): ECS_ANYWHERE_OUTPUT: must be text or json, not "xml"$/,
  },
  {
    name: "a misspelt ECS_ANYWHERE_* variable",
    area: "flags and environment",
    run: (c) => c.register(["--dry-run"], { ECS_ANYWHERE_CLUSTR: "edge" }),
    exit: 2,
    says: /ECS_ANYWHERE_CLUSTR: unknown environment variable \(did you mean ECS_ANYWHERE_CLUSTER\?\)/,
  },
  {
    name: "a number variable that is not a number",
    area: "flags and environment",
    run: (c) => c.cloud(["activation", "create"], { ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: "lots" }),
    exit: 2,
    says: /^error \(input\): config: activation\.registrationLimit: ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT: must be a number \(got "lots"\)$/,
  },
  {
    name: "AWS_REGION that is not a region (the fallback)",
    area: "flags and environment",
    run: (c) => c.cloud(["setup", "--dry-run"], { ECS_ANYWHERE_REGION: undefined, AWS_REGION: "moon-1" }),
    exit: 2,
    says: /^error \(input\): config: region: AWS_REGION: is not an AWS region name/,
  },
  {
    name: "a --region that is not a region",
    area: "flags and environment",
    run: (c) => c.register(["--region", "mars-1", "--dry-run"]),
    exit: 2,
    says: /^error \(input\): config: region: --region: is not an AWS region name/,
  },
  {
    name: "a --cluster with terminal control characters (never echoed raw)",
    area: "flags and environment",
    run: (c) => c.host(["register", "--cluster", "ed\u001b[31mge\u0007", "--dry-run"]),
    exit: 2,
    says: /^error \(input\): config: cluster: --cluster: may contain only letters, digits, hyphens and underscores$/,
    hides: ["\u001b", "\u0007"],
  },
  {
    name: "--max-attempts that is not a number",
    area: "flags and environment",
    run: (c) => c.register(["--max-attempts", "zero"]),
    exit: 2,
    says: /^error \(input\): --max-attempts: must be a whole number/,
  },
  {
    name: "--lock-timeout that is not a duration",
    area: "flags and environment",
    run: (c) => c.register(["--lock-timeout", "forever"]),
    exit: 2,
    says: /^error \(input\): --lock-timeout: "forever" is not a duration/,
  },
  {
    name: "a negative --script-timeout",
    area: "flags and environment",
    run: (c) => c.register(["--script-timeout", "-5m"]),
    exit: 2,
    says: /^error \(input\): --script-timeout: "-5m" is not a duration/,
  },
  {
    name: "a zero --lock-timeout",
    area: "flags and environment",
    run: (c) => c.host(["deregister", "--lock-timeout", "0s"]),
    exit: 2,
    says: /^error \(input\): --lock-timeout: must be longer than 0s/,
  },
  {
    name: "an --ecs-agent-url that is not HTTP",
    area: "flags and environment",
    run: (c) => c.cloud(["register", "--root", c.world.host.root, "--ecs-agent-url", "ftp://127.0.0.1/"]),
    exit: 2,
    says: /^error \(input\): --ecs-agent-url: must be an http:\/\/ or https:\/\/ URL$/,
  },
  {
    name: "a --root that does not exist",
    area: "flags and environment",
    run: (c) => c.cloud(["deregister", "--root", `${c.world.scratch}/no-such-root`]),
    exit: 2,
    says: /^error \(input\): --root: no such directory: \S+no-such-root$/,
  },
  {
    name: "a --listen port out of range (daemon)",
    area: "flags and environment",
    run: (c) => c.host(["daemon", "--listen", "0.0.0.0:99999"]),
    exit: 2,
    says: /^error \(input\): --listen: port 99999 is not from 0 to 65535$/,
  },
  {
    name: "a --listen that is not HOST:PORT (daemon)",
    area: "flags and environment",
    run: (c) => c.host(["daemon", "--listen", "nonsense"]),
    exit: 2,
    says: /^error \(input\): --listen: "nonsense" is not HOST:PORT/,
  },
  {
    name: "an activation lifetime beyond 30 days",
    area: "flags and environment",
    run: (c) => c.cloud(["activation", "create", "--expires-in", "90d"]),
    exit: 2,
    says: /^error \(input\): --expires-in: must be between 1m and 30d/,
  },
  {
    name: "a --tag without a value",
    area: "flags and environment",
    run: (c) => c.cloud(["activation", "create", "--tag", "novalue"]),
    exit: 2,
    says: /^error \(input\): --tag: "novalue" is not KEY=VALUE/,
  },
  {
    name: "a registration limit above 1000",
    area: "flags and environment",
    run: (c) => c.cloud(["activation", "create", "--registration-limit", "5000"]),
    exit: 2,
    says: /^error \(input\): --registration-limit: must be a whole number from 1 to 1000$/,
  },
  {
    name: "--skip of a phase that does not exist",
    area: "flags and environment",
    run: (c) => c.register(["--skip", "everything"]),
    exit: 2,
    says: /^error \(input\): --skip: unknown phase or check "everything"/,
  },
  {
    name: "an --insecure-key-fingerprint that is not 40 hex digits",
    area: "flags and environment",
    run: (c) => c.host(["register", "--insecure-key-fingerprint", "ABCD", "--dry-run"]),
    exit: 2,
    says: /^error \(input\): --insecure-key-fingerprint: must be a 40-hex-digit key fingerprint$/,
  },
  {
    name: "ECS_ANYWHERE_PASS_ENV naming an AWS credential",
    area: "flags and environment",
    run: (c) => c.register(["--dry-run"], { ECS_ANYWHERE_PASS_ENV: "AWS_SECRET_ACCESS_KEY" }),
    exit: 2,
    says: /^error \(input\): ECS_ANYWHERE_PASS_ENV: AWS_SECRET_ACCESS_KEY is never passed to child processes/,
  },
  {
    name: "a --drain-timeout that is not a duration",
    area: "flags and environment",
    run: (c) => c.host(["deregister", "--drain", "--drain-timeout", "soon"]),
    exit: 2,
    says: /^error \(input\): --drain-timeout: "soon" is not a duration/,
  },
  {
    name: "an --out file in a folder that does not exist",
    area: "flags and environment",
    run: (c) => c.cloud(["activation", "create", "--out", `${c.world.scratch}/nowhere/a.json`]),
    exit: 2,
    says: /^error \(input\): --out: folder does not exist: \S+nowhere$/,
  },
  {
    name: "an --out file that is a symlink (to a file elsewhere)",
    area: "flags and environment",
    arrange: (p) => {
      const target = p.operatorFile("victim.txt", "do not overwrite\n");
      p.operatorLink("out-link.json", target);
    },
    run: (c) => c.cloud(["activation", "create", "--out", `${c.world.scratch}/out-link.json`]),
    exit: 2,
    says: /^error \(input\): --out: \S+out-link\.json is a symbolic link; name a new or regular file$/,
  },

  // --- existing ecs.config --------------------------------------------------------------------------------
  {
    name: "instance attributes in /etc/ecs/ecs.config that are not JSON",
    area: "existing ecs.config",
    arrange: (p) => {
      p.hostFile("/etc/ecs/ecs.config", "ECS_CLUSTER=edge\nECS_INSTANCE_ATTRIBUTES={nope\n", 0o600);
    },
    run: (c) => c.register([]),
    exit: 2,
    says: /^error \(input\): ecs\.config: ECS_INSTANCE_ATTRIBUTES: .*must be a JSON object of strings/,
  },
  {
    name: "/etc/ecs/ecs.config is a FIFO (register answers at once)",
    area: "existing ecs.config",
    arrange: (p) => {
      p.hostFifo("/etc/ecs/ecs.config");
    },
    run: (c) => c.register([]),
    exit: 1,
    says: /^error: cannot read \S+\/etc\/ecs\/ecs\.config: it is a FIFO \(named pipe\), not a regular file$/,
  },
  {
    name: "/etc/ecs/ecs.config is a symlink to /dev/zero",
    area: "existing ecs.config",
    arrange: (p) => {
      p.hostLink("/etc/ecs/ecs.config", "/dev/zero");
    },
    run: (c) => c.register(["--dry-run"]),
    exit: 1,
    says: /^error: cannot read \S+\/etc\/ecs\/ecs\.config: it is a character device, not a regular file$/,
  },
  {
    name: "a 200 MB /etc/ecs/ecs.config",
    area: "existing ecs.config",
    arrange: (p) => {
      p.hostSparse("/etc/ecs/ecs.config");
    },
    run: (c) => c.register([]),
    exit: 1,
    says: /^error: cannot read \S+\/etc\/ecs\/ecs\.config: it is larger than the 1 MiB limit$/,
  },
  {
    name: "/etc/ecs/ecs.config is a folder",
    area: "existing ecs.config",
    arrange: (p) => {
      p.hostDir("/etc/ecs/ecs.config");
    },
    run: (c) => c.register([]),
    exit: 1,
    says: /^error: cannot read \S+\/etc\/ecs\/ecs\.config: it is a directory \(EISDIR\)$/,
  },
  {
    name: "/var/lib/ecs/ecs.config is a FIFO",
    area: "existing ecs.config",
    arrange: (p) => {
      p.hostFifo("/var/lib/ecs/ecs.config");
    },
    run: (c) => c.register([]),
    exit: 1,
    says: /^error: cannot read \S+\/var\/lib\/ecs\/ecs\.config: it is a FIFO \(named pipe\), not a regular file$/,
    mayWrite: LOCK_FOLDER,
  },
  {
    name: "/etc/ecs/ecs.config is a FIFO (the daemon's probes answer at once, status says which check failed)",
    area: "existing ecs.config",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.hostFile("/usr/libexec/amazon-ecs-init", "");
      p.hostFifo("/etc/ecs/ecs.config");
    },
    run: probe,
    exit: 1,
    says: /^FAIL ecs-config: the probe itself failed: cannot read \S+ecs\.config: it is a FIFO \(named pipe\), not a regular file$/,
  },

  // --- state and lock files -------------------------------------------------------------------------------
  {
    name: "state.json that is not JSON (only a report: ignored)",
    area: "state and lock",
    arrange: (p) => {
      p.hostFile(`${AGENT_DIR}/state.json`, "{torn", 0o600);
    },
    run: (c) => c.host(["deregister", "--dry-run", "--cluster", "edge"]),
    exit: 0,
    says: /^ {2}OK deregister-container-instance: no container instance known: the ECS agent is not running and the state file records none$/,
  },
  {
    name: "state.json with fields of the wrong type",
    area: "state and lock",
    arrange: (p) => {
      p.hostFile(
        `${AGENT_DIR}/state.json`,
        JSON.stringify({ version: 1, cluster: ["edge"], containerInstanceArn: 42, journal: "none" }),
        0o600,
      );
    },
    run: (c) => c.host(["deregister", "--dry-run", "--cluster", "edge"]),
    exit: 0,
    says: /no container instance known: the ECS agent is not running and the state file records none$/,
  },
  {
    name: "state.json is a FIFO",
    area: "state and lock",
    arrange: (p) => {
      p.hostFifo(`${AGENT_DIR}/state.json`);
    },
    run: (c) => c.host(["deregister", "--dry-run", "--cluster", "edge"]),
    exit: 0,
    says: /^dry run: nothing was changed$/,
  },
  {
    name: "a lock file that is not JSON, and no time to wait",
    area: "state and lock",
    arrange: (p) => {
      p.hostFile(LOCK, "garbage\n", 0o600);
    },
    run: (c) => c.register(["--lock-timeout", "1s"]),
    exit: 1,
    says: /^error: another ecs-anywhere-agent run holds \S+\/lock \(its owner record is not written yet, or is damaged\); timed out after waiting 1s$/,
  },
  {
    name: "a lock file that is a FIFO",
    area: "state and lock",
    arrange: (p) => {
      p.hostFifo(LOCK);
    },
    run: (c) => c.host(["deregister", "--lock-timeout", "1s"]),
    exit: 1,
    says: /^error: another ecs-anywhere-agent run holds \S+\/lock \(its owner record is not written yet, or is damaged\); timed out after waiting 1s$/,
  },
  {
    name: "a lock held by a live process",
    area: "state and lock",
    arrange: (p) => {
      const pid = p.liveProcess();
      p.hostFile(
        LOCK,
        `${JSON.stringify({ pid, command: "deregister", since: "2026-01-02T03:04:05.000Z" })}\n`,
        0o600,
      );
    },
    run: (c) => c.register(["--lock-timeout", "1s"]),
    exit: 1,
    says: /^error: another ecs-anywhere-agent deregister \(pid \d+, since 2026-01-02T03:04:05\.000Z\) holds \S+\/lock; timed out after waiting 1s$/,
  },

  // --- activation and code files --------------------------------------------------------------------------
  {
    name: "an --activation-code-file that is a FIFO",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorFifo("code.fifo");
    },
    run: (c) =>
      c.register(["--activation-id", UUID, "--activation-code-file", `${c.world.scratch}/code.fifo`]),
    exit: 2,
    says: /^error \(input\): --activation-code-file: cannot read \S+code\.fifo \(it is a FIFO \(named pipe\), not a regular file\)$/,
  },
  {
    name: "an --activation-code-file that is /dev/zero",
    area: "activation and code files",
    run: (c) => c.register(["--activation-id", UUID, "--activation-code-file", "/dev/zero"]),
    exit: 2,
    says: /^error \(input\): --activation-code-file: cannot read \/dev\/zero \(it is a character device, not a regular file\)$/,
  },
  {
    name: "an --activation-code-file that is a symlink to /dev/urandom",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorLink("code-link", "/dev/urandom");
    },
    run: (c) =>
      c.register(["--activation-id", UUID, "--activation-code-file", `${c.world.scratch}/code-link`]),
    exit: 2,
    says: /\(it is a character device, not a regular file\)$/,
  },
  {
    name: "a 200 MB --activation-code-file",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorSparse("huge-code");
    },
    run: (c) =>
      c.register(["--activation-id", UUID, "--activation-code-file", `${c.world.scratch}/huge-code`]),
    exit: 2,
    says: /cannot read \S+huge-code \(it is larger than the 1 MiB limit\)$/,
  },
  {
    name: "an --activation-code-file that is a folder",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorDir("code-folder");
    },
    run: (c) =>
      c.register(["--activation-id", UUID, "--activation-code-file", `${c.world.scratch}/code-folder`]),
    exit: 2,
    says: /cannot read \S+code-folder \(it is a directory\)$/,
  },
  {
    name: "an empty --activation-code-file",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorFile("empty-code", "\n");
    },
    run: (c) =>
      c.register(["--activation-id", UUID, "--activation-code-file", `${c.world.scratch}/empty-code`]),
    exit: 2,
    says: /^error \(input\): --activation-code-file: required with --activation-id/,
  },
  {
    name: "an activation code with a space in it",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorFile("spaced-code", "AValidLooking ActivationCode0\n");
    },
    run: (c) =>
      c.register(["--activation-id", UUID, "--activation-code-file", `${c.world.scratch}/spaced-code`]),
    exit: 2,
    says: /^error \(input\): activation code: must be the 20\+ character code that activation create printed/,
    hides: ["AValidLooking ActivationCode0"],
  },
  {
    name: "an activation code that is too short (environment)",
    area: "activation and code files",
    run: (c) => c.register(["--activation-id", UUID], { ECS_ANYWHERE_ACTIVATION_CODE: "short" }),
    exit: 2,
    says: /^error \(input\): activation code: must be the 20\+ character code .*\(from ECS_ANYWHERE_ACTIVATION_CODE\)$/,
  },
  {
    name: "a world-readable --activation-code-file (warned, and used)",
    area: "activation and code files",
    arrange: (p, c) => {
      p.operatorFile("readable-code", `${c.activation.code}\n`, 0o644);
    },
    run: (c) =>
      c.register([
        "--activation-id",
        c.activation.id,
        "--activation-code-file",
        `${c.world.scratch}/readable-code`,
        "--dry-run",
      ]),
    exit: 0,
    says: /^WARNING: --activation-code-file: \S+readable-code holds an activation code and every user can read it \(mode 0644\); fix: chmod 600 \S+readable-code$/,
  },
  {
    name: "a world-readable --activation-file (warned, and used)",
    area: "activation and code files",
    arrange: (p, c) => {
      p.operatorFile(
        "readable-activation.json",
        JSON.stringify({
          activationId: c.activation.id,
          activationCode: c.activation.code,
          region: "eu-west-1",
        }),
        0o604,
      );
    },
    run: (c) => c.register(["--activation-file", `${c.world.scratch}/readable-activation.json`, "--dry-run"]),
    exit: 0,
    says: /^WARNING: --activation-file: \S+ holds an activation code and every user can read it \(mode 0604\)/,
  },
  {
    name: "an --activation-file that is not JSON",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorFile("torn-activation.json", '{"activationId": ');
    },
    run: (c) => c.register(["--activation-file", `${c.world.scratch}/torn-activation.json`]),
    exit: 2,
    says: /^error \(input\): --activation-file: \S+ is not a JSON object \(expected the output of activation create --out\)$/,
  },
  {
    name: "an --activation-file with fields of the wrong type",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorFile("types-activation.json", '{"activationId": 5, "activationCode": true}');
    },
    run: (c) => c.register(["--activation-file", `${c.world.scratch}/types-activation.json`]),
    exit: 2,
    says: /^error \(input\): activation id: must be the UUID that activation create printed/,
  },
  {
    name: "an --activation-file nested 500,000 levels deep",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorFile("deep-activation.json", "[".repeat(500_000));
    },
    run: (c) => c.register(["--activation-file", `${c.world.scratch}/deep-activation.json`]),
    exit: 2,
    says: /is not a JSON object \(expected the output of activation create --out\)$/,
  },
  {
    name: "an --activation-file that is a FIFO",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorFifo("activation.fifo");
    },
    run: (c) => c.register(["--activation-file", `${c.world.scratch}/activation.fifo`]),
    exit: 2,
    says: /^error \(input\): --activation-file: cannot read \S+ \(it is a FIFO \(named pipe\), not a regular file\)$/,
  },
  {
    name: "an --activation-file together with --activation-id",
    area: "activation and code files",
    run: (c) => c.register(["--activation-file", c.activation.file, "--activation-id", UUID]),
    exit: 2,
    says: /^error \(input\): --activation-file: use it alone, not with --activation-id\/--activation-code-file$/,
  },
  {
    name: "an activation SSM does not know (refused in preflight; the failed run is journaled)",
    area: "activation and code files",
    arrange: (p) => {
      p.operatorFile(
        "unknown-activation.json",
        JSON.stringify({ activationId: UUID, activationCode: CODE, region: "eu-west-1" }),
      );
    },
    run: (c) => c.register(["--activation-file", `${c.world.scratch}/unknown-activation.json`]),
    exit: 2,
    asksAws: true,
    says: /^error \(input\): activation 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b does not exist .*: it cannot register this host$/,
    // The journal of the failed preflight, in the agent's own folder (see the shared-cloud register tests).
    mayWrite: /^var\/lib(\/ecs-anywhere-agent(\/state\.json)?)?$/,
  },

  // --- introspection answers (status probes once; the ecs-agent check fails and says why) -----------------
  {
    name: "metadata that is not JSON",
    area: "introspection answer",
    arrange: metadata("Cluster=edge, not JSON"),
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: the ECS agent's introspection API is unreachable \(HTTP 200 without a JSON body\)/,
  },
  {
    name: "metadata with a number for the cluster",
    area: "introspection answer",
    arrange: metadata(JSON.stringify({ Cluster: 42, ContainerInstanceArn: ARN, Version: "v" })),
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: .*\(HTTP 200 without agent metadata\)/,
  },
  {
    name: "metadata with a number for the container instance ARN",
    area: "introspection answer",
    arrange: metadata(JSON.stringify({ Cluster: "edge", ContainerInstanceArn: 42, Version: "v" })),
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: the ECS agent is running but has no container instance ARN: it has not registered yet$/,
  },
  {
    name: "metadata that is a JSON list",
    area: "introspection answer",
    arrange: metadata("[1,2,3]"),
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: .*\(HTTP 200 without agent metadata\)/,
  },
  {
    name: "metadata of 6 MB",
    area: "introspection answer",
    arrange: metadata(
      JSON.stringify({ Cluster: "edge", ContainerInstanceArn: ARN, Padding: "x".repeat(6_000_000) }),
    ),
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: the ECS agent's introspection API is unreachable \(answer too large\)/,
  },
  {
    name: "metadata that never comes (the connection hangs)",
    area: "introspection answer",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.agentAnswers(() => {});
    },
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: no answer within 1000 ms$/,
  },
  {
    name: "metadata whose body stops half-way (headers, then nothing)",
    area: "introspection answer",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.agentAnswers((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
        res.write('{"Cluster":"ed');
      });
    },
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: no answer within 1000 ms$/,
  },
  {
    name: "a redirect to another address (not followed)",
    area: "introspection answer",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.agentAnswers((req, res) => {
        if (req.url === "/v1/metadata") res.writeHead(302, { Location: "/elsewhere" }).end();
        else res.writeHead(200, { "Content-Type": "application/json" }).end('{"Cluster":"edge"}');
      });
    },
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: the ECS agent's introspection API is unreachable \(HTTP 302 without a JSON body\)/,
    after: (c) => {
      if (c.agent.requests().includes("/elsewhere")) throw new Error("the redirect was followed");
    },
  },
  {
    name: "an HTML error page (HTTP 500)",
    area: "introspection answer",
    arrange: metadata("<html><body>Internal Server Error</body></html>", 500, "text/html"),
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: the ECS agent's introspection API is unreachable \(HTTP 500 without a JSON body\)/,
  },
  {
    name: "the connection reset in the middle of the body",
    area: "introspection answer",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.agentAnswers((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "100" });
        res.write('{"Cluster":', () => res.socket?.resetAndDestroy());
      });
    },
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: the ECS agent's introspection API is unreachable \(ECONNRESET\)/,
  },
  {
    name: "metadata of an agent registered to another cluster",
    area: "introspection answer",
    arrange: metadata(JSON.stringify({ Cluster: "other", ContainerInstanceArn: ARN, Version: "v" })),
    run: probe,
    exit: 1,
    says: /^FAIL ecs-agent: the ECS agent is registered to cluster other, not edge$/,
  },

  // --- SSM registration and credentials files --------------------------------------------------------------
  {
    name: "an SSM RegistrationKey that is a FIFO (register answers at once)",
    area: "SSM registration and credentials",
    arrange: (p) => {
      p.hostFifo("/var/lib/amazon/ssm/Vault/Store/RegistrationKey");
    },
    run: (c) => c.register([]),
    exit: 1,
    says: /^error: cannot read \S+\/RegistrationKey: it is a FIFO \(named pipe\), not a regular file$/,
    mayWrite: LOCK_FOLDER,
  },
  {
    name: "an SSM RegistrationKey that is not JSON",
    area: "SSM registration and credentials",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.hostFile("/var/lib/amazon/ssm/Vault/Store/RegistrationKey", "{{{ not json", 0o600);
    },
    run: probe,
    exit: 1,
    says: /^FAIL ssm-registration: the SSM agent is not registered \(\S+RegistrationKey holds no instance id\)$/,
  },
  {
    name: "an SSM registration file with a malformed managed instance id",
    area: "SSM registration and credentials",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.hostFile("/var/lib/amazon/ssm/Vault/Store/RegistrationKey", '{"instanceID":"mi-NOT-HEX"}', 0o600);
      p.hostFile("/var/lib/amazon/ssm/registration", '{"ManagedInstanceID": 5, "Region": ["x"]}');
    },
    run: probe,
    exit: 1,
    says: /^FAIL ssm-registration: the SSM agent is registered, but \/var\/lib\/amazon\/ssm\/registration holds no valid managed instance id \(mi- and 17 hex digits\)$/,
  },
  {
    name: "an identity config with dates that are not dates",
    area: "SSM registration and credentials",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.hostFile(
        "/var/lib/amazon/ssm/runtimeconfig/identity_config.json",
        '{"CredentialsExpiresAt": "tomorrow", "CredentialsRetrievedAt": 7}',
      );
    },
    run: probe,
    exit: 1,
    says: /^FAIL credentials-fresh: .*no readable CredentialsExpiresAt$/,
  },
  {
    name: "an identity config that is a FIFO",
    area: "SSM registration and credentials",
    arrange: (p) => {
      p.operatorFile("probe.yaml", PROBE_CONFIG);
      p.hostFifo("/var/lib/amazon/ssm/runtimeconfig/identity_config.json");
    },
    run: probe,
    exit: 1,
    says: /^FAIL credentials-fresh: the probe itself failed: cannot read \S+identity_config\.json: it is a FIFO/,
  },
  {
    name: "root's credentials file is a FIFO (check answers at once)",
    area: "SSM registration and credentials",
    arrange: (p) => {
      p.hostFifo("/root/.aws/credentials");
    },
    run: (c) => c.host(["check", "--skip", "root"]),
    exit: 1,
    says: /^FAIL credentials: the check itself failed: cannot read \S+\/root\/\.aws\/credentials: it is a FIFO/,
  },
  {
    name: "root's credentials file is a symlink to /dev/zero",
    area: "SSM registration and credentials",
    arrange: (p) => {
      p.hostLink("/root/.aws/credentials", "/dev/zero");
    },
    run: (c) => c.host(["check", "--skip", "root"]),
    exit: 1,
    says: /^FAIL credentials: the check itself failed: cannot read \S+credentials: it is a character device/,
  },

  // --- hostile folders -------------------------------------------------------------------------------------
  {
    name: "the agent's folder is a symlink to a folder elsewhere (nothing written through it)",
    area: "hostile folders",
    arrange: (p) => {
      const elsewhere = p.operatorDir("elsewhere", 0o777);
      p.hostLink(AGENT_DIR, elsewhere);
    },
    run: (c) => c.register([]),
    exit: 1,
    says: /^error: \S+\/var\/lib\/ecs-anywhere-agent is a symbolic link: the agent keeps its lock, state and logs there and does not follow it$/,
  },
  {
    name: "the agent's folder is a file",
    area: "hostile folders",
    arrange: (p) => {
      p.hostFile(AGENT_DIR, "not a folder\n");
    },
    run: (c) => c.host(["deregister"]),
    exit: 1,
    says: /^error: \S+\/var\/lib\/ecs-anywhere-agent is not a directory: /,
  },
  {
    name: "the agent's log folder is a symlink",
    area: "hostile folders",
    arrange: (p) => {
      const elsewhere = p.operatorDir("log-elsewhere", 0o777);
      p.hostLink("/var/log/ecs-anywhere-agent", elsewhere);
    },
    run: (c) => c.register([]),
    exit: 1,
    says: /^error: \S+\/var\/log\/ecs-anywhere-agent is a symbolic link: /,
  },
  {
    name: "a --root whose /etc/os-release is a FIFO (check answers at once)",
    area: "hostile folders",
    arrange: (p) => {
      p.hostFifo("/etc/os-release");
    },
    run: (c) => c.host(["check", "--skip", "root"]),
    exit: 1,
    says: /^FAIL distribution: the check itself failed: cannot read \S+\/etc\/os-release: it is a FIFO \(named pipe\), not a regular file$/,
  },
];

/** One request to the running daemon, and how it answers; after each, /livez must still answer 200. */
export interface HttpCase {
  name: string;
  area: "daemon HTTP request";
  /** The raw bytes sent (the daemon's bearer token given, for the rows about authentication). */
  request: (token: string) => string | Buffer;
  /** The status of the answer, "closed" (no answer, the connection closed) or "held" (no answer yet). */
  answer: number | "closed" | "held";
  /** Sent on this many connections at once (default 1); every one gets `answer`. */
  connections?: number;
}

const get = (path: string, headers = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;

export const HTTP_CASES: HttpCase[] = [
  { name: "an unknown path", area: "daemon HTTP request", request: () => get("/admin"), answer: 404 },
  {
    name: "a path that climbs out",
    area: "daemon HTTP request",
    request: () => get("/../../etc/passwd"),
    answer: 404,
  },
  {
    name: "an absolute URL to another host",
    area: "daemon HTTP request",
    request: () => get("http://evil.example/status"),
    answer: 404,
  },
  {
    name: "POST with a 50 MB body announced (never read)",
    area: "daemon HTTP request",
    request: () => "POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\nabc",
    answer: 405,
  },
  {
    name: "TRACE",
    area: "daemon HTTP request",
    request: () => "TRACE /livez HTTP/1.1\r\nHost: x\r\n\r\n",
    answer: 405,
  },
  {
    name: "CONNECT (a proxy request)",
    area: "daemon HTTP request",
    request: () => "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
    answer: "closed",
  },
  {
    name: "a 20 KB header",
    area: "daemon HTTP request",
    request: () => get("/livez", `X-Big: ${"a".repeat(20_000)}\r\n`),
    answer: 431,
  },
  {
    name: "a 20 KB URL",
    area: "daemon HTTP request",
    request: () => get(`/${"a".repeat(20_000)}`),
    answer: 431,
  },
  {
    name: "3,000 headers",
    area: "daemon HTTP request",
    request: () => get("/livez", `${Array.from({ length: 3000 }, (_, i) => `X-${i}: y`).join("\r\n")}\r\n`),
    answer: 431,
  },
  {
    name: "a TLS ClientHello (HTTPS spoken to HTTP)",
    area: "daemon HTTP request",
    request: () => Buffer.from("16030100a5010000a10303", "hex"),
    answer: 400,
  },
  {
    name: "the HTTP/2 preface",
    area: "daemon HTTP request",
    request: () => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    answer: 400,
  },
  {
    name: "a malformed chunked body",
    area: "daemon HTTP request",
    request: () => get("/livez", "Transfer-Encoding: chunked\r\n").concat("zz\r\n"),
    answer: 400,
  },
  {
    name: "a NUL byte in a header",
    area: "daemon HTTP request",
    request: () => get("/livez", "X-A: a\u0000b\r\n"),
    answer: 400,
  },
  {
    name: "two Content-Length headers (request smuggling)",
    area: "daemon HTTP request",
    request: () => get("/livez", "Content-Length: 1\r\nContent-Length: 2\r\n"),
    answer: 400,
  },
  {
    name: "a method with a symbol in it",
    area: "daemon HTTP request",
    request: () => "G@T /livez HTTP/1.1\r\n\r\n",
    answer: 400,
  },
  {
    name: "a raw UTF-8 byte in the path",
    area: "daemon HTTP request",
    request: () => Buffer.from("GET /livez\xe9 HTTP/1.1\r\nHost: x\r\n\r\n", "latin1"),
    answer: 400,
  },
  {
    name: "/status without the bearer token",
    area: "daemon HTTP request",
    request: () => get("/status"),
    answer: 401,
  },
  {
    name: "/metrics with the wrong token",
    area: "daemon HTTP request",
    request: (token) => get("/metrics", `Authorization: Bearer ${token}x\r\n`),
    answer: 401,
  },
  {
    name: "/status with the token as Basic credentials",
    area: "daemon HTTP request",
    request: (token) =>
      get("/status", `Authorization: Basic ${Buffer.from(`u:${token}`).toString("base64")}\r\n`),
    answer: 401,
  },
  {
    name: "/status with a 7 KB bearer token",
    area: "daemon HTTP request",
    request: () => get("/status", `Authorization: Bearer ${"t".repeat(7_000)}\r\n`),
    answer: 401,
  },
  {
    name: "headers that never end (a slow client): held, while /livez answers",
    area: "daemon HTTP request",
    request: () => "GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n",
    answer: "held",
  },

  {
    name: "500 connections at once",
    area: "daemon HTTP request",
    request: () => get("/livez"),
    answer: 200,
    connections: 500,
  },
];

const isRoot = process.getuid?.() === 0;

/** Hostile host state the agent repairs (and says so) rather than refuses: each row runs on a fresh host. */
export const FIXED_CASES: CliCase[] = [
  {
    name: "the agent's folders writable by everyone (and owned by nobody, as root): taken back, with a warning",
    area: "hostile folders",
    arrange: (p) => {
      for (const folder of [AGENT_DIR, "/var/log/ecs-anywhere-agent"]) {
        p.hostDir(folder, 0o777);
        if (isRoot) p.hostOwner(folder, 65534, 0o777);
      }
    },
    run: (c) => c.register([]),
    exit: 0,
    says: /^WARNING: \/var\/lib\/ecs-anywhere-agent was (owned by uid 65534 and )?mode 0777 \(writable by others\); fixed: owner uid \d+, mode 0700$/,
    after: (c) => {
      for (const folder of [AGENT_DIR, "/var/log/ecs-anywhere-agent"]) {
        const stats = statSync(c.world.host.path(folder));
        if ((stats.mode & 0o777) !== 0o700 || stats.uid !== process.getuid?.()) {
          throw new Error(`${folder} is still mode ${(stats.mode & 0o777).toString(8)}, uid ${stats.uid}`);
        }
      }
    },
  },
  {
    name: "a lock left by a process that is gone: taken over, the run goes on",
    area: "state and lock",
    arrange: (p) => {
      const gone = spawnSync("true").pid;
      p.hostFile(
        LOCK,
        `${JSON.stringify({ pid: gone, command: "register", since: "2026-01-02T03:04:05.000Z" })}\n`,
        0o600,
      );
    },
    run: (c) => c.register([]),
    exit: 0,
    says: /^ {2}CHANGED state: recorded in \/var\/lib\/ecs-anywhere-agent\/state\.json \(0600\)$/,
    after: (c) => {
      if (c.world.host.exists(LOCK)) throw new Error("the stale lock is still there");
    },
  },
];
