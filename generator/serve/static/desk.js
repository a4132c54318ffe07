// consent serve: small helps on top of pages that work without scripts.
"use strict";
(function () {
  // Move focus to the list of problems, so a screen reader reads it first.
  const problems = document.querySelector("[data-focus]");
  if (problems) problems.focus();

  // Only the chosen form's languages are offered.
  const form = document.getElementById("form");
  const language = document.getElementById("language");
  function offerLanguages() {
    if (!form || !language) return;
    const chosen = form.options[form.selectedIndex];
    const codes = (chosen && chosen.dataset.languages ? chosen.dataset.languages : "").split(" ").filter(Boolean);
    for (const option of language.options) {
      option.hidden = codes.length > 0 && !codes.includes(option.value);
      option.disabled = option.hidden;
    }
    if (language.selectedOptions.length === 0 || language.selectedOptions[0].disabled) {
      const first = Array.from(language.options).find((option) => !option.disabled);
      if (first) language.value = first.value;
    }
  }
  if (form) { form.addEventListener("change", offerLanguages); offerLanguages(); }

  // The guardian is required when the patient is under 18 on the procedure date.
  const born = document.getElementById("date_of_birth");
  const day = document.getElementById("procedure_date");
  const guardian = document.getElementById("guardian");
  const minorNote = document.querySelector("[data-minor-only]");
  function isoDate(text) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    if (!match) return null;
    return { y: +match[1], m: +match[2], d: +match[3] };
  }
  function checkMinor() {
    const b = isoDate(born.value), p = isoDate(day.value);
    let minor = false;
    if (b && p) {
      let age = p.y - b.y;
      if (p.m < b.m || (p.m === b.m && p.d < b.d)) age -= 1;
      minor = age >= 0 && age < 18;
    }
    minorNote.hidden = !minor;
    if (minor) guardian.setAttribute("aria-required", "true"); else guardian.removeAttribute("aria-required");
  }
  if (born && day && guardian && minorNote) {
    born.addEventListener("input", checkMinor);
    day.addEventListener("input", checkMinor);
    checkMinor();
  }

  // A list being made: show how far it is, then reload to show the result.
  const progress = document.getElementById("progress");
  if (progress && progress.dataset.running === "yes") {
    const bar = document.getElementById("progress-bar");
    const text = document.getElementById("progress-text");
    const poll = async function () {
      try {
        const answer = await fetch("/day/progress", { credentials: "same-origin", cache: "no-store" });
        const state = await answer.json();
        if (state.total) { bar.max = state.total; bar.value = state.done; text.textContent = state.done + " of " + state.total + " forms"; }
        if (!state.running) { window.location.reload(); return; }
      } catch (problem) { /* the server is busy: try again */ }
      window.setTimeout(poll, 500);
    };
    window.setTimeout(poll, 500);
  }
})();

// A link in the list of problems puts the cursor in its field (not only scrolls to it).
document.querySelectorAll("#problems a[href^='#']").forEach(function (link) {
  link.addEventListener("click", function (event) {
    const field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
  });
});
