import type { Plan } from "../../engine/step.ts";
import type { Resolution, Target } from "./types.ts";

/** The plan of an upgrade step from its resolution: nothing to do, or the install with its details. */
export function planFor(
  resolution: Resolution,
  pkg: string,
  apply: (target: Target) => Promise<{ summary: string }>,
  verifyWhat: string,
  rollback: boolean,
): Plan {
  if (!resolution.needed) {
    return {
      status: resolution.status ?? "ok",
      summary: resolution.summary,
      ...(resolution.remediation ? { remediation: resolution.remediation } : {}),
    };
  }
  const target = resolution;
  return {
    summary: `upgrade ${pkg} ${target.from} -> ${target.to}`,
    changes: [
      {
        id: `${pkg}/install`,
        action: "update",
        summary: `upgrade ${pkg} ${target.from} -> ${target.to}, then ${verifyWhat}`,
        details: [
          target.file === "" ? "through snapd (snap refresh)" : `from ${target.url} (signature verified)`,
          !rollback
            ? "rollback: none (--no-rollback): a failed verification stops the run"
            : target.file === ""
              ? `rollback: snap revert ${pkg} (the revision snapd kept), if the verification fails`
              : `rollback: ${target.from} from ${target.previous?.url} (signature verified), reinstalled if the verification fails`,
        ],
        apply: () => apply(target),
      },
    ],
  };
}
