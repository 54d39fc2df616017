// Shared by the bundled pages: writes the page's result where the e2e driver reads it
// (<pre id="out">, then body[data-done]). Not part of what a user needs.
export function report(result) {
  const out = document.getElementById("out");
  out.textContent = JSON.stringify(result);
  document.body.dataset.done = "1";
}
