import { describe, expect, it } from "vitest";
import { describeValue, isSecretKey, isWrappedInQuotes, KEY_PATTERN } from "../../src/ecsconfig/keys.ts";

describe("isSecretKey", () => {
  it("treats ECS_ENGINE_AUTH_DATA as a secret and ordinary keys as not", () => {
    expect(isSecretKey("ECS_ENGINE_AUTH_DATA")).toBe(true);
    expect(isSecretKey("ECS_ENGINE_AUTH_TYPE")).toBe(false);
    expect(isSecretKey("ECS_CLUSTER")).toBe(false);
  });
});

describe("KEY_PATTERN", () => {
  it.each(["ECS_CLUSTER", "A", "HTTP_PROXY", "ECS_ENABLE_GPU_SUPPORT", "A1_"])("accepts %j", (key) => {
    expect(KEY_PATTERN.test(key)).toBe(true);
  });

  it.each([
    ["a digit first", "1ECS"],
    ["a comment marker first", "#ECS_CLUSTER"],
    ["a hyphen after valid characters", "ECS-CLUSTER"],
    ["a trailing space left from `KEY =value`", "ECS_CLUSTER "],
    ["a leading space", " ECS_CLUSTER"],
    ["a dot inside", "ECS.CLUSTER"],
    ["nothing at all", ""],
  ])("rejects %s (%j)", (_, key) => {
    expect(KEY_PATTERN.test(key)).toBe(false);
  });
});

describe("describeValue shows a value to a human", () => {
  it.each([
    ["a plain value as it is", "ECS_CLUSTER", "prod", "prod"],
    ["an empty value as (empty)", "ECS_CLUSTER", "", "(empty)"],
    ["a secret as a placeholder, even when empty", "ECS_ENGINE_AUTH_DATA", "", "(hidden: secret)"],
    ["a secret as a placeholder", "ECS_ENGINE_AUTH_DATA", '{"auth":"x"}', "(hidden: secret)"],
    ["80 characters in full", "K", "v".repeat(80), "v".repeat(80)],
    ["81 characters as the first 77 and an ellipsis", "K", `${"a".repeat(77)}bcde`, `${"a".repeat(77)}...`],
  ])("%s", (_, key, value, shown) => {
    expect(describeValue(key, value)).toBe(shown);
  });
});

describe("isWrappedInQuotes", () => {
  it.each([
    ['"prod"', true],
    ["'prod'", true],
    ['""', true],
    ["''", true],
    ['"a b"', true],
  ])("says %j is wrapped in one pair of matching quotes", (value, wrapped) => {
    expect(isWrappedInQuotes(value)).toBe(wrapped);
  });

  it.each([
    ["a lone double quote", '"'],
    ["a lone single quote", "'"],
    ["an empty value", ""],
    ["a value that starts and ends with the same digit", "1001"],
    ["a value that starts and ends with the same letter", "abba"],
    ["an opening quote only", '"prod'],
    ["a closing quote only", 'prod"'],
    ["an opening single quote only", "'prod"],
    ["mismatched quotes", "\"prod'"],
    ["quotes inside the value", 'a"b"c'],
  ])("is false for %s (%j)", (_, value) => {
    expect(isWrappedInQuotes(value)).toBe(false);
  });
});
