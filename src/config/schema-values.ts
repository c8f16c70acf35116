// Value schemas several config sections share: AWS tags and durations.
import { parseDuration } from "../util/duration.ts";
import * as v from "./validate.ts";

const tagKey = v
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, "has characters AWS tags do not allow");
const tagValue = v
  .string()
  .max(256)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, "has characters AWS tags do not allow");
export const tags = v.record(tagKey, tagValue);

/** A duration such as 30m, 1h or 7d; the output is in seconds. */
export const duration = v
  .string()
  .transform(
    (text) => parseDuration(text) ?? new v.Failure(`"${text}" is not a duration (use e.g. 30m, 1h, 7d)`),
  );
