// gpg's machine-readable output, parsed without gpg (doc/DETAILS in GnuPG): the verdicts the verifier and the
// signing-key check build on.
import { describe, expect, it } from "vitest";
import {
  findValidSignatureKeys,
  normalizeFingerprint,
  parsePrimaryFingerprints,
  parsePublicKey,
  parseStatusLines,
} from "../../../src/components/install-script/gpg-output.ts";

const A = "A".repeat(40);
const B = "B".repeat(40);

describe("normalizeFingerprint", () => {
  it("drops white space and upper-cases", () => {
    expect(normalizeFingerprint(" f34c 3dda\te729 ")).toBe("F34C3DDAE729");
  });
});

describe("parsePrimaryFingerprints", () => {
  it("takes the fpr record right after each pub record, not a subkey's", () => {
    const colons = [
      "pub:u:255:22:AAAA:1:::-:::scSC::::::23::0:",
      `fpr:::::::::${A.toLowerCase()}:`,
      "uid:u::::1::X::Name <n@example>::::::::::0:",
      "sub:u:255:18:CCCC:1::::::e::::::23:",
      `fpr:::::::::${"C".repeat(40)}:`,
      "",
      "pub:u:255:22:BBBB:1:::-:::scSC::::::23::0:",
      `fpr:::::::::${B}:`,
    ].join("\n");
    expect(parsePrimaryFingerprints(colons)).toEqual([A, B]);
  });

  it("skips a pub record whose fpr is empty, and blank lines keep the pairing", () => {
    expect(
      parsePrimaryFingerprints(["pub:u:::", "fpr::::::::::", "pub:u:::", "", `fpr:::::::::${B}:`].join("\n")),
    ).toEqual([B]);
    expect(parsePrimaryFingerprints("")).toEqual([]);
  });
});

describe("parseStatusLines", () => {
  it.each([
    ["[GNUPG:] VALIDSIG x y", [{ keyword: "VALIDSIG", args: ["x", "y"] }]],
    ["[GNUPG:] NEWSIG", [{ keyword: "NEWSIG", args: [] }]],
    ["[GNUPG:] NODATA 1   ", [{ keyword: "NODATA", args: ["1"] }]],
    ["gpg: [GNUPG:] BADSIG 1", []],
    ["  [GNUPG:] BADSIG 1", []],
    ["[GNUPG:] ", []],
    ["gpg: Signature made Mon", []],
  ])("%j", (line, expected) => {
    expect(parseStatusLines(line)).toEqual(expected);
  });

  it("reads every status line of a stream in order", () => {
    const out = "[GNUPG:] NEWSIG\ngpg: noise\n[GNUPG:] GOODSIG K Name\n";
    expect(parseStatusLines(out).map((line) => line.keyword)).toEqual(["NEWSIG", "GOODSIG"]);
  });
});

describe("findValidSignatureKeys", () => {
  const validsig = (...args: string[]) => ({ keyword: "VALIDSIG", args });
  it("takes the primary key's fingerprint (10th argument), else the signing key's", () => {
    const tenth = ["s", "2026-01-01", "1", "0", "4", "0", "22", "8", "01", A.toLowerCase()];
    expect(findValidSignatureKeys([validsig("SUBKEY", ...tenth.slice(1))])).toEqual([A]);
    expect(findValidSignatureKeys([validsig(B)])).toEqual([B]);
    expect(findValidSignatureKeys([validsig()])).toEqual([""]);
    expect(findValidSignatureKeys([{ keyword: "GOODSIG", args: [A] }])).toEqual([]);
  });
});

describe("parsePublicKey", () => {
  it("an empty expiry never expires; a number is seconds since the epoch; 0 means none", () => {
    const key = (expiry: string) => parsePublicKey(`pub:u:1:1:K:1:${expiry}::-:::scSC:\nfpr:::::::::${A}:`);
    expect(key("")?.primary).not.toHaveProperty("expiresAt");
    expect(key("0")?.primary).not.toHaveProperty("expiresAt");
    expect(key("abc")?.primary).not.toHaveProperty("expiresAt");
    expect(key("1")?.primary.expiresAt).toEqual(new Date(1000));
  });

  it("gives each key the first fpr after it, and a key without a capability field none", () => {
    const info = parsePublicKey(
      [`fpr:::::::::${B}:`, "pub:u:1:1:K:1", `fpr:::::::::${A}:`, `fpr:::::::::${B}:`, "sub:e:1:1:K:1"].join(
        "\n",
      ),
    );
    expect(info).toEqual({
      primary: { fingerprint: A, capabilities: "", revoked: false },
      subkeys: [{ fingerprint: "", capabilities: "", revoked: false }],
    });
  });
});
