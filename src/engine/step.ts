/**
 * The one shape of everything the agent does to the world: cloud steps, register phases, deregister
 * actions, preflight checks and (later) the daemon's probes and repairs.
 *
 *   observe (read-only) -> plan (pure: the changes, or why there is nothing to do) -> apply -> verify
 *
 * `plan` and `--dry-run` stop after planning. Only `Change.apply` writes. The runner (run.ts) owns dry run,
 * journaling, timing, cancellation and redaction, so a step never handles any of them itself.
 */

/** The one status vocabulary of every step result, in every command and output format. */
export type Status = "ok" | "changed" | "planned" | "skipped" | "warn" | "failed" | "cancelled";

export type ChangeAction = "create" | "update" | "delete" | "run";

/** What applying a change found, when it differs from the plan's wording. */
export interface Applied {
  /** `ok`: the work turned out to be done already (someone else did it between plan and apply). */
  status?: "changed" | "ok";
  summary?: string;
  details?: string[];
}

/** The signal and the outputs of the steps before; handed to every apply and verify. */
export interface ApplyContext {
  signal: AbortSignal;
}

/** One planned change. `apply` is the only code that writes; planning never calls it. */
export interface Change {
  /** Stable id such as "instance-role/trust-policy". */
  id: string;
  action: ChangeAction;
  /** What will be done, e.g. "attach AmazonSSMManagedInstanceCore". */
  summary: string;
  /** Why, in operator terms, e.g. "the policy is not attached". */
  reason?: string;
  /** Lines shown under the change in plans (a diff, the command line); secrets already masked. */
  details?: string[];
  // biome-ignore lint/suspicious/noConfusingVoidType: a port's write resolves to void; such an apply adds nothing to its plan.
  apply(ctx: ApplyContext): Promise<Applied | undefined | void>;
}

/**
 * What a step found. With changes: the work to do. Without: why there is nothing to do, as a status
 * (`ok` converged or passed, `skipped`, `warn`, `failed`), with a remediation for warn and failed.
 */
export interface Plan {
  status?: "ok" | "skipped" | "warn" | "failed";
  summary: string;
  details?: string[];
  remediation?: string;
  changes?: Change[];
  /** Shorthand for one change whose summary is the plan's (action `run`, id the step's). */
  apply?: Change["apply"];
  /** Things deliberately left as they are, listed beside the changes (e.g. a policy on a foreign role). */
  notes?: Note[];
}

/** A deliberate non-change, reported with the changes so a plan explains what it leaves alone. */
export interface Note {
  id: string;
  summary: string;
  reason: string;
}

export interface Step<C> {
  /** Part of the CLI contract: shown in output, logs and the journal, and accepted by --skip. */
  readonly id: string;
  /** Observes and plans; read-only. May throw: the runner reports it as a failed step. */
  plan(ctx: C, signal: AbortSignal): Promise<Plan>;
  /** After apply; throws when the world still disagrees. */
  verify?(ctx: C, signal: AbortSignal): Promise<void>;
}

/** A step from its two halves, the observation's type kept private to the step. */
export function defineStep<C, O>(
  id: string,
  spec: {
    observe(ctx: C, signal: AbortSignal): Promise<O>;
    plan(observed: O, ctx: C): Plan;
    verify?(ctx: C, signal: AbortSignal): Promise<void>;
  },
): Step<C> {
  return {
    id,
    plan: async (ctx, signal) => spec.plan(await spec.observe(ctx, signal), ctx),
    ...(spec.verify ? { verify: spec.verify } : {}),
  };
}

/** Plan helpers: the common "nothing to do" answers. */
export const nothing = (summary: string, details?: string[]): Plan => ({
  status: "ok",
  summary,
  ...(details ? { details } : {}),
});
export const failure = (summary: string, remediation: string): Plan => ({
  status: "failed",
  summary,
  remediation,
});

/** A plan of one change whose summary is also the step's. */
export function change(
  summary: string,
  apply: Change["apply"],
  more: Partial<Omit<Change, "summary" | "apply">> & { id?: string } = {},
): Plan {
  const { id = "change", action = "run", ...rest } = more;
  return { summary, changes: [{ id, action, summary, apply, ...rest }] };
}
