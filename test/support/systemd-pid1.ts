/**
 * The real systemd as PID 1 of private namespaces, for tests of the shipped units (field notes §7). The machine
 * keeps running whatever init it has; the booted systemd sees a copy-on-write view of the machine's root (writes
 * land in memory, never on the machine), fresh /run, /tmp, /var and /dev, no enabled units of the machine, and
 * only the units a test gives it. Needs root, cgroup2 and util-linux (`canBootSystemd` says what is missing).
 *
 * ```ts
 * const sd = await bootSystemd({ units: { "x.service": text }, binds: [{ source: dir, target: "/run/x" }] });
 * await sd.systemctl(["start", "--no-block", "x.service"]);
 * await sd.waitFor("x.service", { ActiveState: "active" }, 10_000);
 * await sd.stop();
 * ```
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface Bind {
  /** A path on the machine. */
  source: string;
  /** Where it shows inside, an absolute path outside /tmp (a tmpfs there, and PrivateTmp= hides it anyway). */
  target: string;
  readOnly?: boolean;
}

export interface BootOptions {
  /** Unit files and drop-ins by name under /run/systemd/system: `x.service`, `x.service.d/test.conf`. */
  units: Record<string, string>;
  /** Folders of the machine made visible inside (the booted root is a copy-on-write view otherwise). */
  binds?: Bind[];
  /** Environment of every unit (the manager's DefaultEnvironment=). Values without newlines. */
  env?: Record<string, string>;
  /** How long boot may take before it counts as failed. */
  bootTimeoutMs?: number;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BootedSystemd {
  /** systemd's pid as the machine sees it. */
  pid: number;
  /** `systemctl ARGS` inside. */
  systemctl(args: readonly string[]): Promise<CommandResult>;
  /** Any command inside (all of systemd's namespaces, its root and working folder). */
  exec(argv: readonly string[]): Promise<CommandResult>;
  /** `systemctl show UNIT -p P1,P2`: the values by name. */
  show(unit: string, props: readonly string[]): Promise<Record<string, string>>;
  /**
   * Polls `show` until every property has its wanted value (or passes its predicate); throws after
   * `timeoutMs` with the last values and the tail of the console log. Returns the values that matched.
   */
  waitFor(
    unit: string,
    wanted: Record<string, string | ((value: string) => boolean)>,
    timeoutMs: number,
  ): Promise<Record<string, string>>;
  /** A path inside, as the machine reaches it (`/proc/PID/root/...`): to read or write files in there. */
  path(inside: string): string;
  /** The console so far (systemd's own log and the units' output), without carriage returns. */
  consoleLog(): string;
  /** Halts systemd (SIGRTMIN+3), waits for it to exit, removes its cgroups; idempotent. */
  stop(): Promise<void>;
}

export type SandboxCheck =
  | { ok: true }
  | {
      ok: false;
      reason: string;
      /** A tool is missing (CI installs them: a failure there) or the machine cannot give the namespaces. */
      kind: "missing-tool" | "cannot-sandbox";
    };

const TOOLS = ["unshare", "nsenter", "script", "mount", "umount", "pivot_root", "findmnt", "systemctl"];
const SYSTEMD_BINARY = "/lib/systemd/systemd";
const INOTIFY_LIMIT = "/proc/sys/fs/inotify/max_user_instances";
// Other processes may hold all 128 of root's inotify instances; systemd then exits 255 without a word
// (field notes §7.1).
const INOTIFY_WANTED = 8192;
const UNSHARE = ["--pid", "--fork", "--mount", "--cgroup", "--uts", "--ipc"];
// The environment of every command run inside: nothing of the test process leaks in.
const INSIDE_ENV = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C.UTF-8",
  SYSTEMD_COLORS: "0",
  SYSTEMD_PAGER: "cat",
};
const CONSOLE_LIMIT = 512 * 1024;
const DEFAULT_TARGET = "systemd-pid1-test.target";

let cachedCheck: SandboxCheck | undefined;

/**
 * Whether this machine can boot systemd in private namespaces: root, the tools, a cgroup2 mount where a
 * sub-cgroup can be made, a settable inotify limit, and mount/pid/cgroup namespaces with an overlay of `/`
 * (tried, not guessed). Probed once per process.
 */
export function canBootSystemd(): SandboxCheck {
  cachedCheck ??= probeSandbox();
  return cachedCheck;
}

function probeSandbox(): SandboxCheck {
  const cannot = (reason: string): SandboxCheck => ({ ok: false, reason, kind: "cannot-sandbox" });
  if (process.platform !== "linux") return cannot(`needs Linux namespaces (this is ${process.platform})`);
  if (process.getuid?.() !== 0) return cannot("needs root: mount, pid and cgroup namespaces and a cgroup");
  const missing = TOOLS.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  if (!existsSync(SYSTEMD_BINARY)) missing.push(SYSTEMD_BINARY);
  if (missing.length > 0) {
    return {
      ok: false,
      kind: "missing-tool",
      reason: `missing ${missing.join(", ")} (packages util-linux, bsdutils, mount, systemd)`,
    };
  }
  const cgroup = cgroup2Mount();
  if (cgroup === undefined) return cannot("no cgroup2 file system is mounted (findmnt -t cgroup2)");
  const probeCgroup = join(cgroup, `systemd-pid1-probe-${process.pid}`);
  try {
    mkdirSync(probeCgroup);
    rmdirSync(probeCgroup);
  } catch (error) {
    return cannot(`cannot make a sub-cgroup in ${cgroup}: ${(error as Error).message}`);
  }
  if (Number(readFileSync(INOTIFY_LIMIT, "utf8")) < INOTIFY_WANTED) {
    try {
      accessSync(INOTIFY_LIMIT, constants.W_OK);
    } catch {
      return cannot(`cannot raise ${INOTIFY_LIMIT}`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "systemd-pid1-probe-"));
  try {
    const tried = spawnSync(
      "unshare",
      [
        ...UNSHARE,
        "bash",
        "-c",
        'set -e; mount --make-rprivate /; mount -t tmpfs probe "$1"; mkdir "$1/u" "$1/w" "$1/r"; mount -t overlay overlay -o "lowerdir=/,upperdir=$1/u,workdir=$1/w" "$1/r"',
        "bash",
        dir,
      ],
      { encoding: "utf8", timeout: 10_000 },
    );
    if (tried.status !== 0) {
      const why =
        `${tried.stderr ?? ""}`.replace(/\s+/g, " ").trim() || tried.error?.message || `exit ${tried.status}`;
      return cannot(`cannot make mount, pid and cgroup namespaces with an overlay of /: ${why}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ok: true };
}

function cgroup2Mount(): string | undefined {
  const found = spawnSync("findmnt", ["-n", "-o", "TARGET", "-t", "cgroup2"], { encoding: "utf8" });
  return found.stdout?.split("\n")[0]?.trim() || undefined;
}

// One raise of the inotify limit for every systemd this process boots; put back when the last one stops.
let inotifyUsers = 0;
let inotifyOriginal: string | undefined;

function raiseInotifyLimit(): void {
  inotifyUsers++;
  if (inotifyUsers > 1) return;
  const current = readFileSync(INOTIFY_LIMIT, "utf8").trim();
  if (Number(current) >= INOTIFY_WANTED) return;
  inotifyOriginal = current;
  writeFileSync(INOTIFY_LIMIT, String(INOTIFY_WANTED));
}

function restoreInotifyLimit(): void {
  inotifyUsers--;
  if (inotifyUsers > 0 || inotifyOriginal === undefined) return;
  // Only if nobody changed it meanwhile.
  if (readFileSync(INOTIFY_LIMIT, "utf8").trim() === String(INOTIFY_WANTED)) {
    writeFileSync(INOTIFY_LIMIT, inotifyOriginal);
  }
  inotifyOriginal = undefined;
}

/** Single quotes for bash. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A DefaultEnvironment= value, quoted as systemd reads it. */
function environmentLine(env: Record<string, string>): string {
  const items = Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /[\n\r]/.test(value)) {
      throw new Error(`bootSystemd: unusable environment entry ${name}`);
    }
    return `"${`${name}=${value}`.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  });
  return `DefaultEnvironment=${items.join(" ")}`;
}

/**
 * The script PID 1 runs inside the new namespaces before it becomes systemd (field notes §7.4). The root is an
 * overlay of `/` with its upper layer in memory, entered with pivot_root (PrivateDevices= and PrivateUsers=
 * need that, not chroot, and real devpts, shm and mqueue mounts: field notes §8.9).
 */
function setupScript(state: string, binds: readonly Bind[]): string {
  const root = `${state}/mnt/root`;
  const bindLines = binds.flatMap((bind) => {
    const target = quote(`${root}${bind.target}`);
    return [
      `mkdir -p ${target}`,
      `mount --bind ${quote(bind.source)} ${target}`,
      ...(bind.readOnly ? [`mount -o remount,bind,ro ${target}`] : []),
    ];
  });
  return [
    "set -euo pipefail",
    `state=${quote(state)}`,
    'root="$state/mnt/root"',
    "console=$(tty)",
    "mount --make-rprivate /",
    'mount -t tmpfs -o mode=700 sandbox "$state/mnt"',
    'mkdir "$state/mnt/upper" "$state/mnt/work" "$root"',
    'mount -t overlay overlay -o "lowerdir=/,upperdir=$state/mnt/upper,workdir=$state/mnt/work" "$root"',
    'mount -t tmpfs -o mode=755 run "$root/run"',
    'mount -t tmpfs -o mode=1777 tmp "$root/tmp"',
    'mount -t tmpfs -o mode=755 var "$root/var"',
    'mkdir -m 1777 "$root/var/tmp"',
    'mkdir "$root/var/lib" "$root/var/log" "$root/var/cache"',
    'ln -s ../run "$root/var/run"',
    'ln -s ../run/lock "$root/var/lock"',
    // The machine's enabled units and local overrides stay out: only the test's units count.
    'mount -t tmpfs -o mode=755 units "$root/etc/systemd/system"',
    'mount -t tmpfs -o mode=755,nosuid dev "$root/dev"',
    'for node in null zero full random urandom tty; do touch "$root/dev/$node"; mount --bind "/dev/$node" "$root/dev/$node"; done',
    'touch "$root/dev/console"',
    'mount --bind "$console" "$root/dev/console"',
    'mkdir "$root/dev/pts" "$root/dev/shm" "$root/dev/mqueue"',
    'mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"',
    'ln -s pts/ptmx "$root/dev/ptmx"',
    'mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"',
    'mount -t mqueue mqueue "$root/dev/mqueue"',
    'ln -s /proc/self/fd "$root/dev/fd"',
    'ln -s /proc/self/fd/0 "$root/dev/stdin"',
    'ln -s /proc/self/fd/1 "$root/dev/stdout"',
    'ln -s /proc/self/fd/2 "$root/dev/stderr"',
    'mount -t proc proc "$root/proc"',
    'mount --rbind /sys "$root/sys"',
    'mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup"',
    ...bindLines,
    'mkdir -p "$root/run/systemd"',
    'cp -r "$state/units" "$root/run/systemd/system"',
    'cp -r "$state/system.conf.d" "$root/run/systemd/system.conf.d"',
    'cd "$root"',
    "pivot_root . .",
    "umount -l .",
    `exec env -i container=systemd-pid1-test ${SYSTEMD_BINARY} --system --unit=${DEFAULT_TARGET} --log-target=console --show-status=no`,
  ].join("\n");
}

function stageFiles(state: string, options: BootOptions): void {
  const units = {
    [DEFAULT_TARGET]: [
      "[Unit]",
      "Description=Test boot target",
      "DefaultDependencies=no",
      // journald, so that the units' output can be read (journalctl).
      "Wants=systemd-journald.socket",
      "After=systemd-journald.socket",
      "",
    ].join("\n"),
    ...options.units,
  };
  for (const [name, text] of Object.entries(units)) {
    if (name.startsWith("/") || name.split("/").includes("..")) throw new Error(`bad unit name ${name}`);
    const file = join(state, "units", name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  mkdirSync(join(state, "system.conf.d"));
  const manager = [
    "[Manager]",
    ...(options.env && Object.keys(options.env).length > 0 ? [environmentLine(options.env)] : []),
  ];
  writeFileSync(join(state, "system.conf.d", "test.conf"), `${manager.join("\n")}\n`);
}

function runCommand(file: string, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { encoding: "utf8", timeout: timeoutMs, env: INSIDE_ENV, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code =
          error === null ? 0 : typeof error.code === "number" ? error.code : error.killed ? 124 : 127;
        resolve({ code, stdout, stderr: error !== null && stderr === "" ? error.message : stderr });
      },
    );
  });
}

/** The pids of a cgroup tree. */
function cgroupPids(cgroup: string): number[] {
  const pids: number[] = [];
  const walk = (dir: string) => {
    for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
      if (line.trim() !== "") pids.push(Number(line));
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
    }
  };
  try {
    walk(cgroup);
  } catch {
    // removed, or a sub-cgroup went away while walking: what was read so far
  }
  return pids;
}

/** The pid of the systemd (pid 1 of its namespace) in a cgroup tree, once it runs. */
function findSystemd(cgroup: string): number | undefined {
  for (const pid of cgroupPids(cgroup)) {
    try {
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]?.split(/\s+/);
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
      if (nspid?.length === 2 && nspid[1] === "1" && argv0 === SYSTEMD_BINARY) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** SIGKILL to every process of a cgroup tree (cgroup.kill where the kernel has it). */
function killCgroup(cgroup: string): void {
  try {
    writeFileSync(join(cgroup, "cgroup.kill"), "1");
    return;
  } catch {
    // older kernel: one by one
  }
  for (const pid of cgroupPids(cgroup)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

/** Removes a cgroup tree, deepest first; retries while its last processes finish exiting. */
async function removeCgroup(cgroup: string): Promise<void> {
  const remove = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) remove(join(dir, entry.name));
    }
    rmdirSync(dir);
  };
  for (let attempt = 0; ; attempt++) {
    try {
      if (existsSync(cgroup)) remove(cgroup);
      return;
    } catch (error) {
      if (attempt >= 50) throw error;
      if (attempt === 10) killCgroup(cgroup);
      await delay(100);
    }
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with true when `promise` settles within `ms`, false otherwise (leaves no timer behind). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `ready` every 20 ms until it returns a value; throws `what` at the deadline or once `alive` is false. */
async function poll<T>(
  ready: () => T | undefined,
  alive: () => boolean,
  deadline: number,
  what: string,
): Promise<T> {
  for (;;) {
    const value = ready();
    if (value !== undefined) return value;
    if (!alive()) throw new Error(`the sandbox exited before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(20);
  }
}

/** The controls of a booted systemd: everything goes through nsenter into its namespaces (field notes §7.5). */
function controls(pid: number, consoleLog: () => string, stop: () => Promise<void>): BootedSystemd {
  const exec = (argv: readonly string[], timeoutMs = 15_000) =>
    runCommand("nsenter", ["-t", String(pid), "-a", "-r", "-w", ...argv], timeoutMs);
  const systemctl = (args: readonly string[]) => exec(["systemctl", "--no-pager", ...args]);
  const show = async (unit: string, props: readonly string[]) => {
    const result = await systemctl(["show", unit, `--property=${props.join(",")}`]);
    if (result.code !== 0) throw new Error(`systemctl show ${unit} failed: ${result.stderr.trim()}`);
    const values: Record<string, string> = {};
    for (const line of result.stdout.split("\n")) {
      const at = line.indexOf("=");
      if (at > 0) values[line.slice(0, at)] = line.slice(at + 1);
    }
    return values;
  };
  const waitFor: BootedSystemd["waitFor"] = async (unit, wanted, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const values = await show(unit, Object.keys(wanted));
      const matches = Object.entries(wanted).every(([name, want]) => {
        const value = values[name] ?? "";
        return typeof want === "function" ? want(value) : value === want;
      });
      if (matches) return values;
      if (Date.now() > deadline) {
        throw new Error(
          `${unit}: timed out waiting for ${Object.keys(wanted).join(", ")}; last ${JSON.stringify(values)}\n` +
            `console:\n${consoleLog().split("\n").slice(-40).join("\n")}`,
        );
      }
      await delay(50);
    }
  };
  return {
    pid,
    systemctl,
    exec: (argv) => exec(argv),
    show,
    waitFor,
    path: (inside) => `/proc/${pid}/root${inside}`,
    consoleLog,
    stop,
  };
}

/**
 * Boots systemd with the given units (field notes §7): a sub-cgroup of the cgroup2 mount, new namespaces under
 * `script` (a terminal for the console log), a fresh root, then systemd itself. Resolves once the boot finished.
 */
export async function bootSystemd(options: BootOptions): Promise<BootedSystemd> {
  const check = canBootSystemd();
  if (!check.ok) throw new Error(`cannot boot systemd here: ${check.reason}`);
  const cgroupMount = cgroup2Mount();
  if (cgroupMount === undefined) throw new Error("no cgroup2 mount");
  const state = mkdtempSync(join(tmpdir(), "systemd-pid1-"));
  mkdirSync(join(state, "mnt"));
  const cgroup = join(cgroupMount, `systemd-pid1-${process.pid}-${state.slice(-6)}`);
  stageFiles(state, options);
  writeFileSync(join(state, "setup.sh"), setupScript(state, options.binds ?? []));
  raiseInotifyLimit();
  mkdirSync(cgroup);

  // The launcher moves itself into the sub-cgroup, then becomes `script`, which gives the namespaces a terminal.
  const inside = `unshare ${UNSHARE.join(" ")} bash ${quote(join(state, "setup.sh"))}`;
  const launcher = spawn(
    "bash",
    ["-c", 'echo "$$" > "$1/cgroup.procs" && exec script -qfec "$2" /dev/null', "bash", cgroup, inside],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...INSIDE_ENV, SHELL: "/bin/sh", TERM: "dumb" } },
  );
  let output = "";
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-CONSOLE_LIMIT);
  };
  launcher.stdout.on("data", append);
  launcher.stderr.on("data", append);
  const consoleLog = () => output.replaceAll("\r", "");
  let running = true;
  const exited = new Promise<void>((resolve) =>
    launcher.once("close", () => {
      running = false;
      resolve();
    }),
  );

  let pid: number | undefined;
  // Should the test process die first, systemd must not outlive it: killing PID 1 ends its whole namespace.
  const killOnExit = () => killCgroup(cgroup);
  process.on("exit", killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        if (running && pid !== undefined) {
          // SIGRTMIN+3 (glibc's SIGRTMIN is 34): halt, which makes systemd in a container exit (field notes §7.6).
          process.kill(pid, 37);
          if (!(await settlesWithin(exited, 10_000))) killCgroup(cgroup);
        } else {
          killCgroup(cgroup);
        }
        await exited;
        await removeCgroup(cgroup);
      } finally {
        process.off("exit", killOnExit);
        restoreInotifyLimit();
        rmSync(state, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  try {
    const deadline = Date.now() + (options.bootTimeoutMs ?? 15_000);
    const alive = () => running;
    pid = await poll(() => findSystemd(cgroup), alive, deadline, "systemd started");
    const privateSocket = `/proc/${pid}/root/run/systemd/private`;
    // systemctl talks to the manager on its private socket, made a moment after exec.
    await poll(() => (existsSync(privateSocket) ? true : undefined), alive, deadline, "systemd listened");
    const system = await runCommand(
      "nsenter",
      ["-t", String(pid), "-a", "-r", "-w", "systemctl", "is-system-running", "--wait"],
      Math.max(1_000, deadline - Date.now()),
    );
    // "degraded" is a finished boot too (a unit of the test may fail on purpose).
    if (!["running", "degraded"].includes(system.stdout.trim())) {
      throw new Error(`boot did not finish: ${system.stdout.trim() || system.stderr.trim()}`);
    }
    return controls(pid, consoleLog, stop);
  } catch (error) {
    const log = consoleLog().split("\n").slice(-30).join("\n");
    await stop();
    throw new Error(`${(error as Error).message}\nconsole:\n${log}`);
  }
}
