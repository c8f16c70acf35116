import { pingDocker } from "../adapters/host/docker.ts";
import { DOCKER } from "../components/docker/files.ts";
import { type CheckContext, defineCheck, fail, pass } from "./types.ts";

export interface DockerPresence {
  /** Host path of the docker binary, when one exists. */
  binary: string | undefined;
  daemon: { ok: boolean; message: string };
}

export async function findDocker(ctx: CheckContext): Promise<DockerPresence> {
  let binary: string | undefined;
  for (const candidate of DOCKER.binaries) {
    if (await ctx.fs.exists(candidate)) {
      binary = candidate;
      break;
    }
  }
  return { binary, daemon: await pingDocker(ctx.dockerSocket, ctx.timeoutMs) };
}

export function dockerPresent(presence: DockerPresence): boolean {
  return presence.binary !== undefined || presence.daemon.ok;
}

export const dockerCheck = defineCheck(
  "docker",
  "Docker is installed, or the installer may install it",
  async (ctx) => {
    const presence = await findDocker(ctx);
    if (presence.daemon.ok) return pass(presence.daemon.message);
    if (presence.binary !== undefined) {
      return pass(`${presence.binary} is installed (daemon not answering yet: ${presence.daemon.message})`);
    }
    if (ctx.dockerInstallSource !== "none") {
      return pass(
        `Docker is not installed; the install script will install it (--docker-install-source ${ctx.dockerInstallSource})`,
      );
    }
    // field notes §6.9: RHEL needs Docker preinstalled and --docker-install-source none.
    return fail(
      "Docker is not installed and --docker-install-source is none: RHEL needs Docker preinstalled",
      "install Docker (e.g. docker-ce from download.docker.com) and start it, or choose another --docker-install-source",
    );
  },
);
