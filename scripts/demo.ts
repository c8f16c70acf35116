// `npm run demo`: the main job on the built-in sandbox. Starts the AWS emulator on loopback, then runs the
// built CLI as an operator would: setup --dry-run, setup, setup again (no changes), activation create.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../test/emulator/index.ts";
import { INSTALL_SCRIPT_PATH, startFakeHost } from "../test/fixtures/host.ts";
import { startInstallScriptServer } from "../test/fixtures/install-server.ts";
import { generateTestKey } from "../test/install/gpg-keys.ts";

const emulator = await startEmulator();
const workdir = mkdtempSync(join(tmpdir(), "ecs-anywhere-demo-"));
const env = {
  PATH: process.env.PATH,
  HOME: workdir,
  AWS_ENDPOINT_URL: emulator.url,
  AWS_ACCESS_KEY_ID: "AKIAEMULATOR0000TEST",
  AWS_SECRET_ACCESS_KEY: "emulator-secret-key-0000000000000000000000",
  AWS_REGION: "eu-west-1",
};

/** Runs the bundle as a real process; asynchronously, since the emulator answers from this event loop. */
function runBundle(
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/ecs-anywhere-agent.mjs", ...args], {
      env: { ...env, ...extraEnv },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function step(
  title: string,
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
): Promise<void> {
  emulator.clearCalls();
  console.log(`\n$ ecs-anywhere-agent ${args.join(" ")}    # ${title}`);
  const run = await runBundle(args, extraEnv);
  process.stdout.write(run.stdout);
  if (run.stderr) process.stdout.write(run.stderr);
  const calls = emulator.calls();
  const writes = calls.filter((call) => call.mutating);
  console.log(
    `  -> exit ${run.status}; AWS calls: ${calls.length - writes.length} read, ${writes.length} mutating` +
      (writes.length > 0 ? ` (${writes.map((call) => `${call.service}:${call.action}`).join(", ")})` : ""),
  );
  if (run.status !== 0) {
    process.exitCode = 1;
  }
}

try {
  console.log(`AWS emulator listening on ${emulator.url} (account ${emulator.state.accountId})`);
  await step("plan only: nothing is changed", ["setup", "--cluster", "edge", "--dry-run"]);
  await step("converge the cloud side", ["setup", "--cluster", "edge"]);
  await step("re-run: already converged, zero mutating calls", ["setup", "--cluster", "edge"]);
  const file = join(workdir, "activation.json");
  await step("a single-use, one-hour activation for one host", ["activation", "create", "--out", file]);
  const saved = JSON.parse(readFileSync(file, "utf8"));
  console.log(
    `  ${file}: mode ${(statSync(file).mode & 0o777).toString(8)}, activation ${saved.activationId}, expires ${saved.expiresAt}`,
  );
  const state = emulator.state;
  console.log("\nWhat the emulated account now holds:");
  for (const role of Object.values(state.roles)) {
    console.log(
      `  role ${role.roleName}: ${role.attachedPolicyArns.map((arn) => arn.split("/").pop()).join(", ")}`,
    );
  }
  for (const cluster of Object.values(state.clusters))
    console.log(`  cluster ${cluster.clusterName}: ${cluster.status}`);
  console.log(`  activations: ${Object.keys(state.activations).length}`);

  // The host side, on a fake host under a temporary root: fake systemctl and SSM agent, a fake ECS agent
  // introspection API and Docker socket, and a fixture of the install script served over loopback and signed
  // with a throwaway key (standing in for the Amazon ECS key).
  console.log("\n== The host side, on a fake host (see test/fixtures/README.md)");
  const host = await startFakeHost({ emulatorUrl: emulator.url });
  const key = await generateTestKey("Amazon ECS (demo)");
  const script = readFileSync(INSTALL_SCRIPT_PATH, "utf8");
  const server = await startInstallScriptServer({
    script: Buffer.from(script),
    signature: Buffer.from(await key.sign(script)),
    publicKey: key.publicKey,
  });
  try {
    const hostArgs = [
      "--root",
      host.root,
      "--ecs-agent-url",
      host.introspectionUrl,
      "--cluster",
      "edge",
      "--install-script-url",
      server.url,
      "--gpg-key-url",
      server.publicKeyUrl,
      "--gpg-fingerprint",
      key.fingerprint,
      // The demo may run unprivileged; a real host runs register as root.
      ...(process.getuid?.() === 0 ? [] : ["--skip", "root"]),
    ];
    await step(
      "preflight checks on the fake host",
      [
        "check",
        ...hostArgs.filter(
          (a) => !a.startsWith("--gpg") && a !== key.fingerprint && a !== server.publicKeyUrl,
        ),
      ],
      host.env,
    );
    await step("the whole plan, nothing changed", ["register", "--dry-run", ...hostArgs], host.env);
    await step(
      "register: just-in-time activation, verified script, proof",
      ["register", ...hostArgs],
      host.env,
    );
    await step(
      "re-run: already registered, no script, zero mutating calls",
      ["register", ...hostArgs],
      host.env,
    );
    console.log(
      `\n${host.root}/etc/ecs/ecs.config:\n${host.readFile("/etc/ecs/ecs.config").trimEnd().replace(/^/gm, "  ")}`,
    );
    console.log(
      `install script runs: ${host.installScriptRuns().length}; activations left: ${Object.keys(emulator.state.activations).length}`,
    );
  } finally {
    await server.stop();
    await key.dispose();
    await host.cleanup();
  }
} finally {
  await emulator.stop();
}
