/**
 * Node built-ins that only some runs need, loaded on first use rather than when the module that names them loads.
 * node:crypto initialises OpenSSL (about 2.5 MB of a daemon's memory); the daemon without control-plane checks and
 * `status` asking the daemon need it only to check a token or name a temporary file.
 */
export const crypto = (): typeof import("node:crypto") => process.getBuiltinModule("node:crypto");
