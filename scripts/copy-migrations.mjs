// tsc copies no .sql files; the backends read their migrations next to their compiled code.
import { cpSync, existsSync } from "node:fs";

for (const backend of ["postgres", "sqlite"]) {
  const from = `src/store/${backend}/migrations`;
  if (existsSync(from)) cpSync(from, `dist/store/${backend}/migrations`, { recursive: true });
}
