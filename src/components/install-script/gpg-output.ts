/** Parsers for gpg's machine-readable output (doc/DETAILS in GnuPG): `--with-colons` and `--status-fd`. */

export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/\s+/g, "").toUpperCase();
}

/** Fingerprints of the primary keys in `gpg --with-colons --fingerprint --list-keys` output. */
export function parsePrimaryFingerprints(colons: string): string[] {
  const fingerprints: string[] = [];
  let previousType = "";
  for (const line of colons.split("\n")) {
    const fields = line.split(":");
    const type = fields[0] ?? "";
    // The fingerprint (field 10) is an `fpr` record directly after the `pub` record it belongs to.
    if (type === "fpr" && previousType === "pub" && fields[9])
      fingerprints.push(normalizeFingerprint(fields[9]));
    if (type !== "") previousType = type;
  }
  return fingerprints;
}

export interface StatusLine {
  keyword: string;
  args: string[];
}

/** `[GNUPG:] KEYWORD arg1 arg2...` lines; anything else on the stream is ignored. */
export function parseStatusLines(output: string): StatusLine[] {
  const lines: StatusLine[] = [];
  for (const line of output.split("\n")) {
    const match = /^\[GNUPG:\] (\S+)(?: (.*))?$/.exec(line.trimEnd());
    if (match?.[1]) lines.push({ keyword: match[1], args: match[2]?.split(" ") ?? [] });
  }
  return lines;
}

/** The primary-key fingerprint of each VALIDSIG line (its 10th argument; the 1st may be a subkey's). */
export function findValidSignatureKeys(status: StatusLine[]): string[] {
  return status
    .filter((line) => line.keyword === "VALIDSIG")
    .map((line) => normalizeFingerprint(line.args[9] ?? line.args[0] ?? ""));
}
