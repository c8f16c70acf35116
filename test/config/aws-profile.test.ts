import { describe, expect, it } from "vitest";
import { profileRegion } from "../../src/config/aws-profile.ts";

const FILE = `# operator workstation
[default]
region = eu-west-1
output = json

[profile ops]
; the operations account
region=eu-central-1   # Frankfurt
s3 =
  region = us-east-1

[profile empty]
output = text
`;

describe("profileRegion", () => {
  it("reads [default] for the default profile and [profile NAME] for others", () => {
    expect(profileRegion(FILE, "default")).toBe("eu-west-1");
    expect(profileRegion(FILE, "ops")).toBe("eu-central-1");
  });

  it("ignores nested settings, comments, and profiles without a region", () => {
    expect(profileRegion(FILE, "empty")).toBeUndefined();
    expect(profileRegion(FILE, "nobody")).toBeUndefined();
    expect(profileRegion("[ops]\nregion = us-west-2\n", "ops")).toBeUndefined();
  });

  it("accepts [profile default] too, with CRLF line ends", () => {
    expect(profileRegion("[profile default]\r\nregion = sa-east-1\r\n", "default")).toBe("sa-east-1");
  });
});
