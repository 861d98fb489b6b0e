import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Spawn a TypeScript fixture in ONE node process (tsx as a loader, so SIGKILL hits the worker itself, not a
 * wrapper) and resolve with its first stdout line parsed as JSON.
 */
export async function spawnFixture<T>(fixture: string, args: string[]): Promise<{ child: ChildProcess; first: T }> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<T>((resolve, reject) => {
    lines.once("line", (line) => resolve(JSON.parse(line) as T));
    child.once("exit", (code) => reject(new Error(`fixture exited with ${code} before reporting: ${stderr}`)));
  });
  return { child, first };
}

/** SIGKILL a child and wait until it is gone. */
export async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await gone;
}
