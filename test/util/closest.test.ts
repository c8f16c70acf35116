import { describe, expect, it } from "vitest";
import { closestNames, didYouMean, editDistance } from "../../src/util/closest.ts";

describe("closestNames", () => {
  it("counts a swap of neighbours as one typo", () => {
    expect(editDistance("edeg", "edge")).toBe(1);
    expect(closestNames("edeg", ["prod", "edge", "staging"])).toEqual(["edge"]);
  });

  it("keeps only the closest, and nothing when no name is close", () => {
    expect(closestNames("eu-wset-1", ["eu-west-1", "eu-west-2", "us-west-1"])).toEqual(["eu-west-1"]);
    expect(closestNames("edge", ["production", "staging"])).toEqual([]);
    expect(closestNames("ab", ["ac", "ad", "xy"])).toEqual(["ac", "ad"]);
  });

  it("words the suggestion", () => {
    expect(didYouMean(["edge"])).toBe("did you mean edge?");
    expect(didYouMean(["ac", "ad", "ae"])).toBe("did you mean ac, ad or ae?");
  });
});
