/** The "did you mean" helpers live in src/suggest.ts, shared with the configuration loader. */
export { closest, didYouMean, editDistance } from "../suggest.js";
