import type { Input } from "./input.ts";
import type { Partition } from "./partition.ts";
import type { State } from "./state.ts";
import type { ServiceName } from "./types.ts";

/** What an operation handler sees of the emulator and of the current request. */
export interface CallContext {
  readonly state: State;
  readonly accountId: string;
  /** From the request's SigV4 credential scope. */
  readonly region: string;
  /** The partition of `region`: every ARN the call makes uses it. */
  readonly partition: Partition;
  readonly now: () => Date;
  readonly pageSize: number;
  /** The caller: arn:PARTITION:iam::ACCOUNT:user/emulator */
  readonly principalArn: string;
  readonly userId: string;
  readonly knownPolicyArns: ReadonlySet<string>;
  /** Throws the protocol's AccessDenied error when `iamAction` is denied on `resource`. */
  authorize(iamAction: string, resource: string): void;
}

export interface Operation {
  /** ARN the call targets, for AccessDenied messages; "*" when absent. */
  resource?: (input: Input, ctx: CallContext) => string;
  /** false for actions IAM never denies (sts:GetCallerIdentity). Default true. */
  authorized?: boolean;
  /** Returns the result structure (XML-able for query services, JSON-able for JSON services). */
  run: (input: Input, ctx: CallContext) => unknown;
}

export interface ServiceModule {
  readonly service: ServiceName;
  /** Error code of malformed input (ValidationError, ValidationException, InvalidParameterException). */
  readonly validationCode: string;
  readonly operations: Readonly<Record<string, Operation>>;
}

export function isMutating(action: string): boolean {
  return !/^(Get|List|Describe)/.test(action);
}
