export type ChangeAction = "create" | "update" | "delete" | "none";

/** One planned change. `apply` is the only code that writes; planning never calls it. */
export interface Change {
  /** Stable id such as "instance-role/trust-policy". */
  id: string;
  action: ChangeAction;
  /** What will be done, e.g. "attach AmazonSSMManagedInstanceCore". */
  summary: string;
  /** Why, in operator terms, e.g. "the policy is not attached". */
  reason: string;
  apply?: () => Promise<void>;
}

/**
 * The one shape of every reconcile step: observe (read-only) -> plan (pure) -> apply (writes) -> verify.
 * `plan` returns only the changes needed; an empty list means converged.
 */
export interface Step<Observed> {
  name: string;
  observe(): Promise<Observed>;
  plan(observed: Observed): Change[];
  /** Optional check after apply; throws when the world still disagrees. */
  verify?(): Promise<void>;
}

export interface StepReport {
  step: string;
  changes: Change[];
  applied: boolean;
}
