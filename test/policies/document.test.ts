import { describe, expect, it } from "vitest";
import { asList, samePolicy } from "../../src/policies/document.ts";

describe("asList", () => {
  it("reads a missing value as no items, a single value as one item and a list as itself", () => {
    expect(asList(undefined)).toEqual([]);
    expect(asList("s3:GetObject")).toEqual(["s3:GetObject"]);
    expect(asList(["s3:GetObject", "s3:PutObject"])).toEqual(["s3:GetObject", "s3:PutObject"]);
  });
});

describe("samePolicy compares documents as IAM reads them", () => {
  const statement = {
    Effect: "Allow",
    Action: ["s3:GetObject", "s3:PutObject"],
    Resource: ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"],
    Condition: { StringEquals: { "aws:SourceAccount": ["111122223333", "444455556666"] } },
  };

  it("ignores the order of keys, at the top and inside statements", () => {
    const reordered = {
      Condition: { StringEquals: { "aws:SourceAccount": ["111122223333", "444455556666"] } },
      Resource: ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"],
      Action: ["s3:GetObject", "s3:PutObject"],
      Effect: "Allow",
    };
    expect(
      samePolicy(
        { Version: "2012-10-17", Statement: [statement] },
        { Statement: [reordered], Version: "2012-10-17" },
      ),
    ).toBe(true);
  });

  it("ignores the order of string lists, however deep they sit", () => {
    const reordered = {
      ...statement,
      Action: ["s3:PutObject", "s3:GetObject"],
      Condition: { StringEquals: { "aws:SourceAccount": ["444455556666", "111122223333"] } },
    };
    expect(samePolicy({ Statement: [statement] }, { Statement: [reordered] })).toBe(true);
  });

  it("sees a changed, missing or extra value anywhere", () => {
    const changes = [
      { ...statement, Effect: "Deny" },
      { ...statement, Action: ["s3:GetObject"] },
      { ...statement, Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] },
      { ...statement, Condition: { StringEquals: { "aws:SourceAccount": ["111122223333"] } } },
      { ...statement, Condition: { StringLike: { "aws:SourceAccount": ["111122223333", "444455556666"] } } },
      { ...statement, Sid: "Extra" },
    ];
    for (const changed of changes) {
      expect(samePolicy({ Statement: [statement] }, { Statement: [changed] })).toBe(false);
    }
  });

  it("tells apart scalars that are not strings", () => {
    expect(samePolicy({ n: 1 }, { n: 2 })).toBe(false);
    expect(samePolicy({ n: 1 }, { n: "1" })).toBe(false);
    expect(samePolicy({ b: true }, { b: false })).toBe(false);
    expect(samePolicy({ x: null }, { x: null })).toBe(true);
    expect(samePolicy({ x: null }, { x: {} })).toBe(false);
  });

  it("keeps the order of lists that are not all strings, such as statements", () => {
    const a = { Sid: "A", Effect: "Allow", Action: "s3:GetObject" };
    const b = { Sid: "B", Effect: "Allow", Action: "s3:PutObject" };
    expect(samePolicy({ Statement: [a, b] }, { Statement: [b, a] })).toBe(false);
    expect(samePolicy([10, 9], [9, 10])).toBe(false);
    expect(samePolicy(["a", 1], [1, "a"])).toBe(false);
  });

  it("does not confuse a string with a list holding it", () => {
    expect(samePolicy({ Action: "s3:GetObject" }, { Action: ["s3:GetObject"] })).toBe(false);
  });
});
