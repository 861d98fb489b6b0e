/** The namespace of the public API, as the package's default export. */
import * as api from "./index.js";

/** Every public export of the package as one namespace object: `import pgqrs from "pgqrs"`. */
const pgqrs: typeof api = api;
export default pgqrs;
