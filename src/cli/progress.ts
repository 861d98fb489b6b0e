/**
 * A progress line for long-running commands on stderr: a redrawn bar on a terminal (runs done, runs/s, retries),
 * a line per quarter otherwise, nothing when disabled (`--json`).
 */
export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #total: number;
  readonly #enabled: boolean;
  readonly #tty: boolean;
  readonly #started = Date.now();
  #done = 0;
  #retries = 0;
  #quarter = 0;
  #drawn = false;

  constructor(out: NodeJS.WriteStream, total: number, enabled: boolean) {
    this.#out = out;
    this.#total = total;
    this.#enabled = enabled;
    this.#tty = out.isTTY === true;
  }

  get retries(): number {
    return this.#retries;
  }

  retry(n = 1): void {
    this.#retries += n;
  }

  update(done: number): void {
    this.#done = Math.min(done, this.#total);
    if (!this.#enabled) return;
    if (this.#tty) {
      this.#out.write(`\r${this.#line()}`);
      this.#drawn = true;
      return;
    }
    const quarter = Math.floor((this.#done / this.#total) * 4);
    if (quarter > this.#quarter) {
      this.#quarter = quarter;
      this.#out.write(`${this.#line()}\n`);
    }
  }

  /** A message between progress redraws. */
  note(line: string): void {
    if (!this.#enabled) return;
    if (this.#tty && this.#drawn) this.#out.write("\r\x1b[K");
    this.#out.write(`${line}\n`);
    if (this.#tty && this.#drawn) this.#out.write(this.#line());
  }

  finish(): void {
    if (this.#enabled && this.#tty && this.#drawn) this.#out.write("\n");
  }

  #line(): string {
    const secs = Math.max((Date.now() - this.#started) / 1000, 0.001);
    const width = 30;
    const filled = Math.round((this.#done / this.#total) * width);
    return (
      `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.#done}/${this.#total} runs  ` +
      `${(this.#done / secs).toFixed(0)} runs/s  ${this.#retries} retries`
    );
  }
}
