import { describe, expect, it } from "vitest";
import {
  maskedArguments,
  type ScriptInvocation,
  scriptArguments,
  scriptServices,
} from "../../../src/components/install-script/run.ts";
import { configSchema, type HostConfig } from "../../../src/config/schema.ts";
import { MASK } from "../../../src/util/redact.ts";
import { expectGolden } from "../../support/golden.ts";

const ID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const CODE = "SecretActivationCode0123";

/** The host section of a config file, defaults filled in by the schema like `--config` does. */
function hostConfig(host: Record<string, unknown> = {}): HostConfig {
  return configSchema.parse({ host }).host;
}

function invocation(host: Record<string, unknown> = {}, withActivation = true): ScriptInvocation {
  return {
    region: "eu-west-1",
    cluster: "edge",
    ...(withActivation ? { activation: { id: ID, code: CODE } } : {}),
    host: hostConfig(host),
  };
}

describe("scriptArguments: the official install script's flags (field notes §1)", () => {
  it("maps region, cluster and the activation, and adds nothing for a default host config", () => {
    expect(scriptArguments(invocation())).toEqual([
      "--region",
      "eu-west-1",
      "--cluster",
      "edge",
      "--activation-id",
      ID,
      "--activation-code",
      CODE,
    ]);
  });

  it("uses --skip-registration, and no activation flag, without an activation", () => {
    const args = scriptArguments(invocation({}, false));
    expect(args).toEqual(["--region", "eu-west-1", "--cluster", "edge", "--skip-registration"]);
    expect(args).not.toContain("--activation-id");
    expect(args).not.toContain("--activation-code");
  });

  it("passes --enable-gpu only when enableGpu is set", () => {
    expect(scriptArguments(invocation({ enableGpu: true }))).toContain("--enable-gpu");
    expect(scriptArguments(invocation({ enableGpu: false }))).not.toContain("--enable-gpu");
  });

  it("passes --docker-install-source with its value unless it is the script's default (all)", () => {
    const none = scriptArguments(invocation({ dockerInstallSource: "none" }));
    expect(none.slice(none.indexOf("--docker-install-source"))).toEqual(["--docker-install-source", "none"]);
    expect(scriptArguments(invocation({ dockerInstallSource: "all" }))).not.toContain(
      "--docker-install-source",
    );
  });

  it("passes --ecs-version with its value unless it is latest", () => {
    const pinned = scriptArguments(invocation({ ecsVersion: "1.2.3" }));
    expect(pinned.slice(pinned.indexOf("--ecs-version"), pinned.indexOf("--ecs-version") + 2)).toEqual([
      "--ecs-version",
      "1.2.3",
    ]);
    expect(scriptArguments(invocation({ ecsVersion: "latest" }))).not.toContain("--ecs-version");
  });

  it("passes --no-start only when noStart is set", () => {
    expect(scriptArguments(invocation({ noStart: true }))).toContain("--no-start");
    expect(scriptArguments(invocation())).not.toContain("--no-start");
  });

  it("combines every option, each flag followed by its own value", () => {
    const args = scriptArguments(
      invocation({ enableGpu: true, dockerInstallSource: "none", ecsVersion: "1.2.3", noStart: true }, false),
    );
    expect(args).toEqual([
      "--region",
      "eu-west-1",
      "--cluster",
      "edge",
      "--skip-registration",
      "--enable-gpu",
      "--docker-install-source",
      "none",
      "--ecs-version",
      "1.2.3",
      "--no-start",
    ]);
  });
});

describe("--ecs-endpoint (field notes §1.3, §10.9)", () => {
  it("passes endpoints.ecs, as the config normalised it, and nothing without it (golden)", () => {
    const { endpoints } = configSchema.parse({
      endpoints: { ecs: "https://VPCE-0a1b2c3d4e5f60718-abcdefgh.ecs.eu-west-1.vpce.amazonaws.com/" },
    });
    const args = maskedArguments({
      ...invocation({ ecsVersion: "1.89.2-1" }),
      ecsEndpoint: endpoints.ecs as string,
    });
    expect(args.slice(-2)).toEqual([
      "--ecs-endpoint",
      "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ecs.eu-west-1.vpce.amazonaws.com",
    ]);
    expectGolden("endpoints/install-script-arguments.txt", `${args.join("\n")}\n`);
    expect(scriptArguments(invocation())).not.toContain("--ecs-endpoint");
  });
});

describe("maskedArguments: the flags as plans show them", () => {
  it("replaces the activation code, and only it, with the mask", () => {
    const masked = maskedArguments(invocation({ ecsVersion: "1.2.3" }));
    expect(masked).not.toContain(CODE);
    expect(masked.join(" ")).not.toContain(CODE);
    expect(masked).toEqual(
      scriptArguments(invocation({ ecsVersion: "1.2.3" })).map((arg) => (arg === CODE ? MASK : arg)),
    );
    expect(masked[masked.indexOf("--activation-code") + 1]).toBe(MASK);
    expect(masked[masked.indexOf("--activation-id") + 1]).toBe(ID);
  });

  it("is the plain argument list without an activation", () => {
    expect(maskedArguments(invocation({}, false))).toEqual(scriptArguments(invocation({}, false)));
  });
});

describe("scriptServices", () => {
  it("says the script enables but does not start services under noStart, and names docker unless none", () => {
    expect(scriptServices(hostConfig())).toBe(
      "services: the script enables and starts amazon-ssm-agent, docker (when it installs Docker) and ecs",
    );
    expect(scriptServices(hostConfig({ noStart: true, dockerInstallSource: "none" }))).toBe(
      "services: the script enables (noStart: does not start) amazon-ssm-agent and ecs",
    );
  });
});
