/**
 * Colour for people at a terminal: the CLI's human output keeps its text and gains ANSI styles when, and only when,
 * the stream is a terminal that shows colour (or `FORCE_COLOR` asks for it), and never under `NO_COLOR`
 * (https://no-color.org). `--json`, pipes and files get plain text. Styles are added after control characters are
 * escaped (output.ts), so nothing a queue or worker name holds can style or clear the terminal.
 */
import { WORKFLOW_STATUSES } from "../types.js";

/** SGR codes, each with the code that ends it (by hand: Node 20's `util.styleText` decides by process.stdout). */
const SGR = {
  bold: [1, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;
type Style = keyof typeof SGR;

function style(styles: readonly Style[], text: string): string {
  const open = styles.map((s) => `\u001b[${SGR[s][0]}m`).join("");
  const close = [...styles]
    .reverse()
    .map((s) => `\u001b[${SGR[s][1]}m`)
    .join("");
  return `${open}${text}${close}`;
}

/** The stream the CLI writes to, as colour needs it: Node's `tty.WriteStream` answers `hasColors()`. */
export interface ColourStream {
  isTTY?: boolean;
  hasColors?: () => boolean;
}

/**
 * Whether to style what goes to `stream`: off when `NO_COLOR` is set (any value but empty); on when `FORCE_COLOR`
 * is set to anything but `0` or `false`; otherwise on for a terminal whose `hasColors()` says so (which also reads
 * `TERM=dumb`).
 */
export function colourEnabled(stream: ColourStream, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return stream.isTTY === true && stream.hasColors?.() === true;
}

/** Each run and step status, by what it means to whoever reads the table. */
const STATUS_STYLE: Readonly<Record<string, Style>> = {
  SUCCESS: "green",
  ERROR: "red",
  RUNNING: "cyan",
  QUEUED: "yellow",
  PAUSED: "yellow",
  CANCELLING: "magenta",
  CANCELLED: "magenta",
};
const STATUS_WORDS = new RegExp(`\\b(${WORKFLOW_STATUSES.join("|")})\\b`, "g");
/** A table's header row: two or more column names (capitals, digits, a few signs, single spaces) two spaces apart. */
const COLUMN_NAME = "[A-Z][A-Z0-9_%/().-]*(?: [A-Z0-9_%/().-]+)*";
const HEADER_ROW = new RegExp(`^${COLUMN_NAME}(?: {2,}${COLUMN_NAME})+$`);

/** `text` (already escaped) with table headers in bold and run and step statuses in their colours. */
export function colourHuman(text: string): string {
  return text
    .split("\n")
    .map((line) =>
      HEADER_ROW.test(line)
        ? style(["bold"], line)
        : line.replace(STATUS_WORDS, (word) => {
            const colour = STATUS_STYLE[word];
            return colour === undefined ? word : style([colour], word);
          }),
    )
    .join("\n");
}

/** The `pgqrs:` that starts an error line on stderr, in bold red. */
export function colourErrorPrefix(prefix: string): string {
  return style(["bold", "red"], prefix);
}
