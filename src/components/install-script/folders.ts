import type { HostFs } from "../../adapters/host/fs.ts";
import { inspectOwnership, processUid, takeOwnership } from "../../adapters/host/ownership.ts";
import { OperationError } from "../../errors.ts";
import { AGENT_STATE } from "../agent-state/paths.ts";

/** The agent's folders the install script passes through: its copy and run folder, and its logs. */
const AGENT_FOLDERS = [AGENT_STATE.dir, AGENT_STATE.logDir] as const;

/**
 * Before the verified script is saved or run as root, the agent's own folders must be writable by the agent
 * alone: a folder another user can write (group/world write bits, another owner) would let them swap the
 * script between verification and `bash`. Such a folder is taken back (owner: this process, mode 0700) and
 * each repair is reported through `warn`; a symlink or a non-directory in its place is refused.
 */
export async function secureAgentFolders(
  fs: HostFs,
  warn: (message: string) => void = () => {},
  owner = processUid(),
): Promise<void> {
  for (const folder of AGENT_FOLDERS) {
    const found = await inspectOwnership(fs, folder);
    if (found === undefined) continue;
    if (found.kind !== "directory") {
      throw new OperationError(
        `${folder} is ${found.kind === "symlink" ? "a symbolic link" : "not a directory"}: another user may control what the agent runs as root`,
        {
          remediation: `inspect ${folder}, remove it (as root) and re-run; the agent recreates it (mode 0700)`,
        },
      );
    }
    const problems = [
      ...(found.uid === owner ? [] : [`owned by uid ${found.uid}`]),
      ...((found.mode & 0o022) === 0 ? [] : [`mode ${found.mode.toString(8).padStart(4, "0")}`]),
    ];
    if (problems.length === 0) continue;
    await takeOwnership(fs, folder, owner, 0o700);
    warn(
      `${folder} was ${problems.join(" and ")} (writable by others); fixed: owner uid ${owner}, mode 0700`,
    );
  }
}
