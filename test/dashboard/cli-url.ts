/** The CLI dashboard tests' shared step: the URL `pgqrs dashboard --json` prints once it listens. */
import type { ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

/** Resolves with the `url` the dashboard prints on stdout (`--json`); rejects if the process exits first. */
export function printedUrl(child: ChildProcessByStdio<null, Readable, Readable>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}`)));
  });
}
