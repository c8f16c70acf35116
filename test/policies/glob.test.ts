import { describe, expect, it } from "vitest";
import { actionCovered, uniqueSorted, wildcardMatch } from "../../src/policies/glob.ts";

describe("wildcardMatch", () => {
  it.each([
    ["`*` any run of characters", "ecs:Submit*", "ecs:SubmitTaskStateChange"],
    ["`*` no characters at all", "ecs:Poll*", "ecs:Poll"],
    ["`*` across a line break", "a*b", "a\nb"],
    ["`?` exactly one character", "ecs:Po?l", "ecs:Poll"],
    ["`?` a line break", "a?b", "a\nb"],
    [
      "both in one pattern",
      "arn:aws:ssm:*:1111?2223333:*",
      "arn:aws:ssm:eu-west-1:111122223333:activation/x",
    ],
    ["characters special in regular expressions literally", "a.b+c(d)[e]{1}|^$\\", "a.b+c(d)[e]{1}|^$\\"],
  ])("matches %s", (_, pattern, value) => {
    expect(wildcardMatch(pattern, value)).toBe(true);
  });

  it.each([
    ["`?` with no character", "ecs:Po?l", "ecs:Pol"],
    ["`?` with two characters", "ecs:Po?l", "ecs:Pooll"],
    ["a literal dot with another character", "s3:::bucket/a.env", "s3:::bucket/axenv"],
    ["a literal plus as a repetition", "a+b", "aab"],
    ["a prefix only", "ecs:Poll", "ecs:PollX"],
    ["a suffix only", "ecs:Poll", "Xecs:Poll"],
    ["another case by default", "arn:aws:ssm:*", "ARN:AWS:SSM:eu-west-1"],
  ])("does not match %s", (_, pattern, value) => {
    expect(wildcardMatch(pattern, value)).toBe(false);
  });

  it("ignores case when asked, as for action names", () => {
    expect(wildcardMatch("sts:assumerole", "sts:AssumeRole", { ignoreCase: true })).toBe(true);
    expect(wildcardMatch("STS:*", "sts:AssumeRole", { ignoreCase: true })).toBe(true);
    expect(wildcardMatch("sts:assumerole", "sts:AssumeRole", { ignoreCase: false })).toBe(false);
  });
});

describe("actionCovered", () => {
  it("is true when any one pattern grants the action, in any case", () => {
    expect(actionCovered("ecs:Poll", ["ec2:*", "ecs:*"])).toBe(true);
    expect(actionCovered("ECS:submitTaskStateChange", ["ecs:Submit*"])).toBe(true);
  });

  it("is false when no pattern grants it", () => {
    expect(actionCovered("ecs:CreateCluster", ["ecs:Submit*", "ec2:*"])).toBe(false);
    expect(actionCovered("ecs:Poll", [])).toBe(false);
  });
});

describe("uniqueSorted", () => {
  it("drops duplicates and sorts, so the configuration's order never changes a document", () => {
    expect(uniqueSorted(["b", "a", "b", "c", "a"])).toEqual(["a", "b", "c"]);
  });
});
