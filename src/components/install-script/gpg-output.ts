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

export interface KeyPart {
  fingerprint: string;
  /** undefined: never expires. */
  expiresAt?: Date;
  /** Field 12's own (lower-case) capabilities: s sign, c certify, e encrypt, a authenticate. */
  capabilities: string;
  revoked: boolean;
}

export interface PublicKeyInfo {
  primary: KeyPart;
  subkeys: KeyPart[];
}

/**
 * The first primary key and its subkeys from `gpg --with-colons --fingerprint --fingerprint --list-keys` output
 * (doc/DETAILS: field 2 validity, field 7 expiry as seconds since the epoch, field 12 capabilities, the fingerprint
 * in the `fpr` record that follows each key record).
 */
export function parsePublicKey(colons: string): PublicKeyInfo | undefined {
  let primary: KeyPart | undefined;
  const subkeys: KeyPart[] = [];
  let current: KeyPart | undefined;
  for (const line of colons.split("\n")) {
    const fields = line.split(":");
    const type = fields[0];
    if (type === "pub" || type === "sub") {
      if (type === "pub" && primary !== undefined) break; // only the first key
      const expiry = Number(fields[6]); // empty: never expires
      current = {
        fingerprint: "",
        ...(expiry > 0 ? { expiresAt: new Date(expiry * 1000) } : {}),
        capabilities: (fields[11] ?? "").replace(/[A-Z]/g, ""),
        revoked: fields[1] === "r",
      };
      if (type === "pub") primary = current;
      else subkeys.push(current);
    } else if (type === "fpr" && current?.fingerprint === "") {
      // The first `fpr` after a key record is that key's.
      current.fingerprint = normalizeFingerprint(fields[9] ?? "");
    }
  }
  return primary && { primary, subkeys };
}
