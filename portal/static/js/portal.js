// Progressive enhancement only: every page works without this file.
// govuk-frontend's components (skip link focus, mobile navigation toggle, error summary focus) look for these
// classes on <body> before they start.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
