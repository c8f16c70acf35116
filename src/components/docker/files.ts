/** Docker on the host: the only module that names its socket, binaries and unit. */
export const DOCKER = {
  unit: "docker",
  socket: "/var/run/docker.sock",
  /** Images, layers and volumes. */
  dataRoot: "/var/lib/docker",
  /** Engine settings; `proxies` there wins over the environment on Docker 23.0+ (field notes §10.3). */
  daemonJson: "/etc/docker/daemon.json",
  /** The install script skips installing Docker when one of these exists (field notes §1). */
  binaries: ["/usr/bin/docker", "/usr/local/bin/docker", "/bin/docker"],
} as const;
