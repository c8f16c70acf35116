import { describe, expect, it } from "vitest";
import { MASK, Redactor } from "../../src/util/redact.ts";

const key = (n: number) => `secret-key-number-${n}-of-the-instance-role`;
const token = (n: number) => `session-token-${n}-`.repeat(20);

describe("the redactor", () => {
  it("masks every secret added, and ignores values too short to be one", () => {
    const redactor = new Redactor();
    redactor.add("activation-code-1234");
    redactor.add("short");
    redactor.add(undefined);
    expect(redactor.scrub("code activation-code-1234 and short")).toBe(`code ${MASK} and short`);
  });

  it("keeps a rotating secret's current and previous values, and forgets older ones", () => {
    const redactor = new Redactor();
    for (let n = 1; n <= 3; n++) redactor.rotate("instance-role", [key(n), token(n)]);
    const line = (n: number) => `${key(n)} ${token(n)}`;
    expect(redactor.scrub(line(3))).toBe(`${MASK} ${MASK}`);
    expect(redactor.scrub(line(2))).toBe(`${MASK} ${MASK}`);
    // Two rotations ago: no longer held (the credentials of that generation have expired, field notes §4.3).
    expect(redactor.scrub(line(1))).toBe(line(1));
  });

  it("does not count reading the same values again as a rotation", () => {
    const redactor = new Redactor();
    redactor.rotate("instance-role", [key(1)]);
    redactor.rotate("instance-role", [key(2)]);
    for (let i = 0; i < 5; i++) redactor.rotate("instance-role", [key(2)]);
    expect(redactor.scrub(key(1))).toBe(MASK);
  });

  it("holds a bounded number of values over thousands of rotations", () => {
    const redactor = new Redactor();
    for (let n = 0; n < 5_000; n++) redactor.rotate("instance-role", [key(n), token(n), "tiny"]);
    const text = Array.from({ length: 5_000 }, (_, n) => key(n)).join("\n");
    const masked = redactor.scrub(text).split("\n");
    expect(masked.filter((item) => item === MASK)).toHaveLength(2);
    expect(masked.slice(-2)).toEqual([MASK, MASK]);
  });

  it("keeps rotating slots apart, and plain secrets for good", () => {
    const redactor = new Redactor();
    redactor.add("registry-password-1");
    redactor.rotate("a", [key(1)]);
    redactor.rotate("b", [key(2)]);
    for (let n = 3; n < 6; n++) redactor.rotate("a", [key(n)]);
    expect(redactor.scrub(`${key(2)} registry-password-1`)).toBe(`${MASK} ${MASK}`);
  });
});
