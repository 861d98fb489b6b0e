// tsc writes dist/cli/main.js with mode 0644; an npm bin link (npx pgqrs) needs it executable, or the shell
// answers "Permission denied". The shebang (#!/usr/bin/env node) is kept by tsc from src/cli/main.ts.
import { chmodSync, readFileSync, statSync } from "node:fs";

const { bin } = JSON.parse(readFileSync("package.json", "utf8"));
for (const file of Object.values(bin)) {
  if (!readFileSync(file, "utf8").startsWith("#!/usr/bin/env node")) {
    throw new Error(`${file} has no #!/usr/bin/env node line`);
  }
  chmodSync(file, statSync(file).mode | 0o111);
}
