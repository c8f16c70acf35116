import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dockerDropIn, ssmDropIn } from "../../../src/components/proxy/render.ts";
import { type ProxySettings, resolveProxy } from "../../../src/components/proxy/settings.ts";
import { configSchema } from "../../../src/config/schema.ts";

// systemd's own parser reads the drop-ins (field notes §7.9: any stderr counts as a failure). A password with an
// URL-encoded character proves the `%%` escaping (field notes §10.3): unescaped, systemd drops the whole line.
const available = spawnSync("systemd-analyze", ["--version"]).status === 0;
const proxy = resolveProxy(
  configSchema.parse({ proxy: { https: "http://edge-user:S3cr%40t-pass@proxy.example.net:3128" } }),
  {},
) as ProxySettings;

const dir = mkdtempSync(join(tmpdir(), "proxy-drop-in-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `systemd-analyze verify` of a minimal UNIT.service with `dropIn` in its drop-in folder beside it. */
function verify(unit: string, dropIn: string): { status: number | null; stderr: string } {
  const folder = join(dir, unit);
  mkdirSync(join(folder, `${unit}.service.d`), { recursive: true });
  writeFileSync(
    join(folder, `${unit}.service`),
    "[Unit]\nDescription=test\n[Service]\nExecStart=/bin/true\n",
  );
  writeFileSync(join(folder, `${unit}.service.d`, "http-proxy.conf"), dropIn);
  const run = spawnSync("systemd-analyze", ["verify", join(folder, `${unit}.service`)], { encoding: "utf8" });
  return { status: run.status, stderr: run.stderr };
}

describe("the drop-ins under systemd-analyze verify", () => {
  it("docker's and the SSM agent's parse cleanly, `%` escaped", (ctx) => {
    ctx.skip(!available, "systemd-analyze is not installed (apt-get install systemd)");
    expect(verify("docker", dockerDropIn(proxy))).toEqual({ status: 0, stderr: "" });
    expect(verify("amazon-ssm-agent", ssmDropIn(proxy, "amazon-ssm-agent"))).toEqual({
      status: 0,
      stderr: "",
    });
  });

  it("the same drop-in without the escaping loses its variables (the check can fail)", (ctx) => {
    ctx.skip(!available, "systemd-analyze is not installed (apt-get install systemd)");
    const unescaped = dockerDropIn(proxy).replaceAll("%%", "%");
    expect(verify("docker-unescaped", unescaped).stderr).toMatch(/Failed to resolve specifiers .*ignoring/);
  });
});
