/** The namespace of the public API, as the package's default export. */
import * as api from "./index.js";

const pgqrs: typeof api = api;
export default pgqrs;
