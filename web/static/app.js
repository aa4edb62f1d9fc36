// The DMS web interface's only script (an ES module; the CSP allows no inline script).
// The pages work without it: it adds GOV.UK Frontend's behaviour (error summary focus,
// character count, accordion and the like) and the print buttons.
import { initAll } from "./govuk-frontend.min.js";

// GOV.UK Frontend's components start only when the body carries this class, which its own
// template sets with an inline script; ours is set here instead.
document.body.classList.add("govuk-frontend-supported");
initAll();

for (const button of document.querySelectorAll("button[data-print]")) {
  button.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
}
