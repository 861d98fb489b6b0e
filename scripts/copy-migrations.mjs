// tsc copies no .sql files; every backend reads its migrations next to its compiled code
// (src/store/migration-files.ts), so each src/store/<kind>/migrations folder is copied, whatever the backends are.
import { cpSync, existsSync, readdirSync } from "node:fs";

for (const kind of readdirSync("src/store", { withFileTypes: true })) {
  if (!kind.isDirectory()) continue;
  const from = `src/store/${kind.name}/migrations`;
  if (existsSync(from)) cpSync(from, `dist/store/${kind.name}/migrations`, { recursive: true });
}
