// `npm run demo`: the main job on the built-in sandbox. Starts the AWS emulator on loopback, then runs the
// built CLI as an operator would: setup --dry-run, setup, setup again (no changes), activation create.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../test/emulator/index.ts";

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
function runBundle(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/ecs-anywhere-agent.mjs", ...args], { env });
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

async function step(title: string, args: string[]): Promise<void> {
  emulator.clearCalls();
  console.log(`\n$ ecs-anywhere-agent ${args.join(" ")}    # ${title}`);
  const run = await runBundle(args);
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
} finally {
  await emulator.stop();
}
