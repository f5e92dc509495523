// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to an error summary so screen-reader users hear what went wrong.
  const summary = document.querySelector(".ds-error-summary[data-autofocus]");
  if (summary) summary.focus();

  // Print buttons (user card).
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });

  // Questionnaires: the server says which conditional questions (enableWhen) to show after each save.
  document.body.addEventListener("samplan:items", (event) => {
    (event.detail.show || []).forEach((id) => { const el = document.getElementById(id); if (el) el.hidden = false; });
    (event.detail.hide || []).forEach((id) => { const el = document.getElementById(id); if (el) el.hidden = true; });
  });

  // Ask before irreversible actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
