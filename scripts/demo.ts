// `npm run demo`: the main job on the built-in sandbox. Starts the AWS emulator and a fake host on loopback, then
// runs the BUILT CLI as an operator would, printing what it did and which AWS calls it made.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type IdentityPolicy, startEmulator } from "../test/emulator/index.ts";
import { startFakeHost } from "../test/fixtures/host.ts";
import { startSignedInstallScript } from "../test/fixtures/signed-script.ts";
import { spawnBundle, TEST_ACCESS_KEY, TEST_SECRET_KEY } from "../test/support/cli.ts";

// Real AWS takes a while: IAM changes reach SSM and ECS after a few seconds, and the ECS agent connects to the control
// plane some time after it registers (field notes §8.1, §8.2). The demo's emulator does the same, briefly.
const DELAYS = { propagationDelayMs: 2_000, agentConnectDelayMs: 1_500 };
// `npm run demo -- --operator-policy`: the emulated caller holds only deploy/iam/operator-policy.json, so every call
// the flow makes outside it is denied (the proof that the shipped policy is enough).
const operatorPolicy = process.argv.includes("--operator-policy")
  ? (JSON.parse(
      readFileSync(new URL("../deploy/iam/operator-policy.json", import.meta.url), "utf8"),
    ) as IdentityPolicy)
  : undefined;
const emulator = await startEmulator({
  ...DELAYS,
  ...(operatorPolicy ? { identityPolicy: operatorPolicy } : {}),
});
const workdir = mkdtempSync(join(tmpdir(), "ecs-anywhere-demo-"));
// The operator's HOME and activation file go when the demo exits, like the fake host's temporary ROOT.
process.once("exit", () => rmSync(workdir, { recursive: true, force: true }));
const operatorEnv = {
  HOME: workdir,
  AWS_ENDPOINT_URL: emulator.url,
  AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: TEST_SECRET_KEY,
  AWS_REGION: "eu-west-1",
};

/** Runs the bundle as a real process (asynchronously: the emulator answers from this event loop). */
async function step(title: string, args: string[], hostEnv: Record<string, string> = {}): Promise<void> {
  emulator.clearCalls();
  console.log(`\n$ ecs-anywhere-agent ${args.join(" ")}    # ${title}`);
  const run = await spawnBundle(args, { ...operatorEnv, ...hostEnv });
  process.stdout.write(run.stdout);
  if (run.stderr) process.stdout.write(run.stderr);
  const calls = emulator.calls();
  const writes = calls.filter((call) => call.mutating);
  const names = writes.map((call) => `${call.service}:${call.action}`).join(", ");
  console.log(
    `  -> exit ${run.code}; AWS calls: ${calls.length - writes.length} read, ${writes.length} mutating${names ? ` (${names})` : ""}`,
  );
  if (run.code !== 0) process.exitCode = 1;
}

try {
  console.log(`AWS emulator listening on ${emulator.url} (account ${emulator.state.accountId})`);
  console.log(
    `  IAM propagation delay ${DELAYS.propagationDelayMs} ms, ECS agent connection delay ${DELAYS.agentConnectDelayMs} ms`,
  );
  if (operatorPolicy)
    console.log("The caller holds only deploy/iam/operator-policy.json: anything else is denied.");
  console.log("\n== The cloud side");
  await step("plan only: nothing is changed", ["setup", "--cluster", "edge", "--dry-run"]);
  await step("converge the cloud side", ["setup", "--cluster", "edge"]);
  await step("re-run: already converged, zero mutating calls", ["setup", "--cluster", "edge"]);
  const file = join(workdir, "activation.json");
  await step("a single-use, one-hour activation for one host", ["activation", "create", "--out", file]);
  const saved = JSON.parse(readFileSync(file, "utf8"));
  const mode = (statSync(file).mode & 0o777).toString(8);
  console.log(`  ${file}: mode ${mode}, activation ${saved.activationId}, expires ${saved.expiresAt}`);

  // The host side, on a fake host under a temporary root: fake systemctl and SSM agent, a fake ECS agent
  // introspection API and Docker socket, and the fixture install script served over loopback, signed with a
  // throwaway key standing in for the Amazon ECS key.
  console.log("\n== The host side, on a fake host (see test/fixtures/README.md)");
  const host = await startFakeHost({ emulatorUrl: emulator.url });
  const signed = await startSignedInstallScript("Amazon ECS (demo)");
  try {
    const common = ["--root", host.root, "--ecs-agent-url", host.introspectionUrl, "--cluster", "edge"];
    // The demo may run unprivileged; on a real host register runs as root.
    const unprivileged = process.getuid?.() === 0 ? [] : ["--skip", "root"];
    const register = ["register", ...common, ...signed.registerArgs, ...unprivileged];
    await step("preflight checks", ["check", ...common, ...signed.registerArgs, ...unprivileged], host.env);
    await step("the whole plan; nothing is changed", [...register, "--dry-run"], host.env);
    await step("just-in-time activation, verified script, proof of registration", register, host.env);
    await step("re-run: already registered, no script, zero mutating calls", register, host.env);
    console.log(`\n  ${host.root}/etc/ecs/ecs.config:`);
    console.log(host.readFile("/etc/ecs/ecs.config").trimEnd().replace(/^/gm, "    "));
    console.log(`  install script runs: ${host.installScriptRuns().length}`);
    await step("drain, deregister, clear local state", ["deregister", ...common, "--drain"], host.env);
    await step("again: nothing left to do", ["deregister", ...common], host.env);
  } finally {
    await signed.stop();
    await host.cleanup();
  }

  const state = emulator.state;
  console.log("\n== What the emulated account holds now");
  for (const role of Object.values(state.roles)) {
    console.log(
      `  role ${role.roleName}: ${role.attachedPolicyArns.map((arn) => arn.split("/").pop()).join(", ")}`,
    );
  }
  for (const cluster of Object.values(state.clusters))
    console.log(`  cluster ${cluster.clusterName}: ${cluster.status}`);
  for (const instance of Object.values(state.containerInstances)) {
    console.log(`  container instance ${instance.containerInstanceArn.split("/").pop()}: ${instance.status}`);
  }
  console.log(`  activations: ${Object.keys(state.activations).length} (the demo's --out one)`);
} finally {
  await emulator.stop();
}
