// The Amazon ECS signing key ships inside the agent, and how long a key can still verify the install script is
// judged from gpg's own listing (keys made here with gpg, dates judged on the clock the caller passes).
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../../src/adapters/host/exec.ts";
import { AMAZON_ECS_PUBLIC_KEY } from "../../../src/components/install-script/amazon-ecs-key.ts";
import { type PublicKeyInfo, parsePublicKey } from "../../../src/components/install-script/gpg-output.ts";
import { judgeSigningKey } from "../../../src/components/install-script/key-expiry.ts";
import { inspectPublicKey } from "../../../src/components/install-script/key-info.ts";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../../../src/components/install-script/verify.ts";
import { generateTestKey, type TestKey } from "./gpg-keys.ts";

const NOW = new Date("2026-12-01T00:00:00Z");
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const keys: TestKey[] = [];
afterAll(async () => {
  await Promise.all(keys.map((key) => key.dispose()));
});

describe("the embedded Amazon ECS key", () => {
  it("is the pinned key: primary F34C…784F, signing subkey D64B…61AF", async () => {
    const info = await inspectPublicKey(AMAZON_ECS_PUBLIC_KEY, { exec: run });
    expect(info?.primary.fingerprint).toBe(AMAZON_ECS_KEY_FINGERPRINT);
    const signing = info?.subkeys
      .filter((sub) => sub.capabilities.includes("s"))
      .map((sub) => sub.fingerprint);
    expect(signing).toContain("D64BB6F90CF377E9B5FB346F50DECCC4710E61AF");
  });
});

describe("parsePublicKey", () => {
  it("reads fingerprints, expiry, own capabilities and revocation of the first key only", () => {
    const colons = [
      "tru::1:1700000000:0:3:1:5",
      "pub:u:4096:1:AAAA:1521830315:1800000000::-:::scESC::::::23::0:",
      "fpr:::::::::AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:",
      "uid:u::::1521830315::X::Amazon ECS <x@example.com>::::::::::0:",
      "sub:r:4096:1:BBBB:1521830315::::::s::::::23:",
      "fpr:::::::::BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB:",
      "sub:u:4096:1:CCCC:1521830315:1900000000:::::e::::::23:",
      "fpr:::::::::CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC:",
      "pub:u:255:22:DDDD:1521830315::::::scSC::::::23::0:",
      "fpr:::::::::DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD:",
    ].join("\n");
    expect(parsePublicKey(colons)).toEqual({
      primary: {
        fingerprint: "A".repeat(40),
        expiresAt: new Date(1_800_000_000_000),
        capabilities: "sc",
        revoked: false,
      },
      subkeys: [
        { fingerprint: "B".repeat(40), capabilities: "s", revoked: true },
        {
          fingerprint: "C".repeat(40),
          expiresAt: new Date(1_900_000_000_000),
          capabilities: "e",
          revoked: false,
        },
      ],
    });
    expect(parsePublicKey("tru::1:1700000000:0:3:1:5\n")).toBeUndefined();
  });
});

describe("judgeSigningKey", () => {
  const part = (fingerprint: string, capabilities: string, expiresInDays?: number, revoked = false) => ({
    fingerprint,
    capabilities,
    revoked,
    ...(expiresInDays === undefined ? {} : { expiresAt: at(expiresInDays) }),
  });
  const key = (primary: PublicKeyInfo["primary"], ...subkeys: PublicKeyInfo["subkeys"]) => ({
    primary,
    subkeys,
  });

  it.each([
    ["never expires", key(part("P", "c"), part("S", "s")), "ok", /^valid, no expiry$/],
    ["valid for a year", key(part("P", "c", 400), part("S", "s", 365)), "ok", /^valid until 2027-12-01$/],
    ["primary signs itself", key(part("P", "sc")), "ok", /^valid, no expiry$/],
    ["primary in 10 days", key(part("P", "c", 10), part("S", "s")), "warn", /primary key expires 2026-12-11/],
    ["primary in exactly 30 days", key(part("P", "c", 30), part("S", "s")), "warn", /primary key expires/],
    ["primary in 31 days", key(part("P", "c", 31), part("S", "s")), "ok", /^valid, no expiry$/],
    [
      "subkey in 10 days",
      key(part("P", "c"), part("S", "s", 10)),
      "warn",
      /last valid signing key expires 2026-12-11/,
    ],
    [
      "one of two subkeys soon",
      key(part("P", "c"), part("A", "s", 10), part("B", "s", 90)),
      "ok",
      /^valid until 2027-03-01$/,
    ],
    [
      "an expired and a lasting one",
      key(part("P", "c"), part("A", "s", -5), part("B", "s")),
      "ok",
      /^valid, no expiry$/,
    ],
    [
      "primary expired",
      key(part("P", "c", -1), part("S", "s")),
      "failed",
      /primary key P expired 2026-11-30/,
    ],
    ["primary revoked", key(part("P", "c", undefined, true), part("S", "s")), "failed", /P revoked/],
    [
      "every signing key expired",
      key(part("P", "c"), part("A", "s", -1), part("B", "s", 0)),
      "failed",
      /every/,
    ],
    ["signing subkey revoked", key(part("P", "c"), part("S", "s", undefined, true)), "failed", /every/],
    ["no signing key at all", key(part("P", "c"), part("E", "e")), "failed", /no signing key/],
  ] as const)("%s: %s", (_name, info, status, summary) => {
    const judged = judgeSigningKey(info, NOW);
    expect(judged.status).toBe(status);
    expect(judged.summary).toMatch(summary);
  });

  it.each([
    ["lasting subkey listed first", [part("B", "s", 90), part("A", "s", 10)], /^valid until 2027-03-01$/],
    ["no-expiry subkey listed first", [part("B", "s"), part("A", "s", 10)], /^valid, no expiry$/],
    ["no-expiry subkey listed last", [part("A", "s", 10), part("B", "s")], /^valid, no expiry$/],
  ] as const)("the signing key that lasts longest decides: %s", (_name, subkeys, summary) => {
    const judged = judgeSigningKey(key(part("P", "c"), ...subkeys), NOW);
    expect(judged).toMatchObject({ status: "ok", summary: expect.stringMatching(summary) });
  });

  it("a key whose expiry is this very moment has expired", () => {
    expect(judgeSigningKey(key(part("P", "c", 0), part("S", "s")), NOW)).toMatchObject({
      status: "failed",
      summary: "the primary key P expired 2026-12-01",
    });
  });

  it("lists a key without expiry as such", () => {
    expect(judgeSigningKey(key(part("P", "c"), part("S", "s")), NOW).details).toEqual([
      "primary key P: never expires",
      "signing subkey S: never expires",
    ]);
  });

  it("lists every part with its expiry", () => {
    const judged = judgeSigningKey(key(part("P", "c", 10), part("S", "s", -1), part("E", "e", 5)), NOW);
    expect(judged.details).toEqual([
      "primary key P: expires 2026-12-11",
      "signing subkey S: expired 2026-11-30",
    ]);
  });
});

describe("keys made with gpg", () => {
  it("a key expiring in 10 days warns; one that expired fails", async () => {
    const soon = await generateTestKey("Expires soon", { signingSubkey: true, expires: "10d" });
    const old = await generateTestKey("Expired", { signingSubkey: true, expires: "30d", createdDaysAgo: 60 });
    keys.push(soon, old);
    const now = new Date();
    const judge = async (k: TestKey) =>
      judgeSigningKey((await inspectPublicKey(k.publicKey, { exec: run })) as PublicKeyInfo, now);
    expect(await judge(soon)).toMatchObject({
      status: "warn",
      summary: expect.stringMatching(/primary key expires/),
    });
    expect(await judge(old)).toMatchObject({ status: "failed", summary: expect.stringMatching(/expired/) });
  });
});
