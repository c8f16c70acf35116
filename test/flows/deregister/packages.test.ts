import { describe, expect, it } from "vitest";
import { choosePackageManager, removeCommand } from "../../../src/flows/deregister/packages.ts";

const release = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key}="${value}"`)
    .join("\n");

describe("choosing the package manager from /etc/os-release", () => {
  it.each([
    [{ ID: "ubuntu", ID_LIKE: "debian" }, "apt"],
    [{ ID: "debian" }, "apt"],
    [{ ID: "linuxmint", ID_LIKE: "ubuntu debian" }, "apt"],
    [{ ID: "rhel", VERSION_ID: "9.4" }, "dnf"],
    [{ ID: "rocky", ID_LIKE: "rhel centos fedora" }, "dnf"],
    [{ ID: "amzn", VERSION_ID: "2023" }, "dnf"],
    [{ ID: "amzn", VERSION_ID: "2" }, "yum"],
    [{ ID: "opensuse-leap", ID_LIKE: "suse opensuse" }, "zypper"],
    [{ ID: "sles" }, "zypper"],
  ])("%o -> %s", (fields, manager) => {
    expect(choosePackageManager(release(fields))).toBe(manager);
  });

  it("knows none for an unknown distribution or a missing file", () => {
    expect(choosePackageManager(release({ ID: "arch" }))).toBeUndefined();
    expect(choosePackageManager(undefined)).toBeUndefined();
  });
});

describe("the removal command", () => {
  it("is non-interactive for every manager", () => {
    const pkgs = ["amazon-ecs-init", "amazon-ssm-agent"];
    expect(removeCommand("apt", pkgs)).toEqual(["apt-get", ["remove", "-y", ...pkgs]]);
    expect(removeCommand("dnf", pkgs)).toEqual(["dnf", ["remove", "-y", ...pkgs]]);
    expect(removeCommand("yum", pkgs)).toEqual(["yum", ["remove", "-y", ...pkgs]]);
    expect(removeCommand("zypper", pkgs)).toEqual(["zypper", ["--non-interactive", "remove", ...pkgs]]);
    expect(removeCommand("snap", ["amazon-ssm-agent"])).toEqual(["snap", ["remove", "amazon-ssm-agent"]]);
  });
});
