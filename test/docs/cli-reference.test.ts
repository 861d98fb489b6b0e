import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/registry.js";

const reference = readFileSync("docs/cli.md", "utf8");

describe("docs/cli.md", () => {
  it.each(COMMANDS.filter((c) => !c.hidden).map((c) => c.name))("documents `pgqrs %s` and its options", (name) => {
    const spec = COMMANDS.find((c) => c.name === name);
    expect(reference).toContain(`### \`pgqrs ${name}`);
    for (const flag of Object.keys(spec?.flags ?? {})) expect(reference).toContain(`\`--${flag}`);
  });
});
