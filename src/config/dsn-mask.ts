/**
 * Passwords out of DSNs, for logs and errors. A leaf module (no imports), so that any layer, a backend's DSN parser
 * included, can mask a DSN without importing the configuration (which reads the backend registry).
 */

/** The mask that replaces a secret. */
const MASK = "***";

/**
 * libpq key=value settings that hold a secret, in URL query strings and key=value DSNs alike. The value runs to the
 * next `&name=` (a URL parameter) or, in a key=value DSN, is one quoted value or runs to the next `name=` word; a
 * password with unencoded `&`, `#` or (unquoted, which libpq refuses) spaces is masked whole because the value is
 * only cut where another setting plainly starts.
 */
const SECRET_KEYS = "(?:ssl)?password";
const QUERY_SECRET = new RegExp(`([?&;]${SECRET_KEYS}=)(?:.*?)(?=&[A-Za-z_][A-Za-z0-9_]*=|$)`, "gis");
const KEY_VALUE_SECRET = new RegExp(
  `((?:^|\\s)${SECRET_KEYS}\\s*=\\s*)(?:'(?:[^'\\\\]|\\\\.?)*(?:'|$)|\\S*(?:\\s+(?![A-Za-z_][A-Za-z0-9_]*\\s*=)\\S+)*)`,
  "gis",
);

/**
 * The DSN with every password replaced by `***`, safe for logs and errors. Covers URL DSNs
 * (`postgresql://user:secret@host/db`), where everything between `://` and the last `@` after the user name is
 * masked, so a password holding unencoded `/ ? # @ :` is masked whole (over-masking a path or query that contains
 * `@` is the safe side); `password=` and `sslpassword=` query parameters; and libpq key=value DSNs
 * (`host=h password=secret`, `password='s e c'`).
 */
export function maskDsn(dsn: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(dsn);
  if (scheme === null) return dsn.replace(KEY_VALUE_SECRET, `$1${MASK}`);
  const rest = dsn.slice(scheme[0].length);
  const at = rest.lastIndexOf("@");
  let out = dsn;
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(":");
    // No colon in front of the last `@`: a user name alone (no password), kept as written.
    if (colon >= 0) out = `${scheme[0]}${userInfo.slice(0, colon)}:${MASK}${rest.slice(at)}`;
  }
  return out.replace(QUERY_SECRET, `$1${MASK}`);
}

/**
 * The secrets a DSN carries, as written and percent-decoded: used to scrub any text (an error message, a stack
 * trace) that might repeat them. Empty for a DSN without a password.
 */
export function dsnSecrets(dsn: string): string[] {
  const found = new Set<string>();
  const add = (raw: string): void => {
    if (raw === "") return;
    found.add(raw);
    try {
      found.add(decodeURIComponent(raw));
    } catch {
      // Not valid percent-encoding: the raw form is what appears.
    }
  };
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(dsn);
  if (scheme !== null) {
    const rest = dsn.slice(scheme[0].length);
    const userInfo = rest.slice(0, Math.max(0, rest.lastIndexOf("@")));
    const colon = userInfo.indexOf(":");
    if (colon >= 0) add(userInfo.slice(colon + 1));
    for (const m of dsn.matchAll(QUERY_SECRET)) add(m[0].slice((m[1] ?? "").length));
  } else {
    for (const m of dsn.matchAll(KEY_VALUE_SECRET)) {
      const value = m[0].slice((m[1] ?? "").length);
      add(value);
      if (value.startsWith("'")) add(value.replace(/^'|'$/g, "").replace(/\\(.)/g, "$1"));
      // An unquoted value with spaces (libpq refuses it): its first word is what libpq would take as the password.
      else add(value.split(/\s/)[0] ?? "");
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * `text` with every DSN in `dsns` masked and every secret they carry (of 3 characters or more: shorter ones would
 * garble the text without hiding anything) replaced by `***`.
 */
export function scrubSecrets(text: string, dsns: readonly (string | undefined)[]): string {
  let out = text;
  for (const dsn of dsns) {
    if (dsn === undefined || dsn === "") continue;
    out = out.split(dsn).join(maskDsn(dsn));
    for (const secret of dsnSecrets(dsn)) if (secret.length >= 3) out = out.split(secret).join(MASK);
  }
  return out;
}
