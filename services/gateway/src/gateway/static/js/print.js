// Print view: offer a print button (the page itself needs no script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-now");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
