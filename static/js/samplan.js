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

  // Adding a care-team member: choosing a role ticks that role's default sections (a peer worker's
  // differ from a GP's); the coordinator can still change every box before saving.
  document.querySelectorAll("form[data-role-defaults]").forEach((form) => {
    const defaults = JSON.parse(document.getElementById(form.dataset.roleDefaults).textContent);
    const role = form.querySelector("select[name=role]");
    if (!role) return;
    role.addEventListener("change", () => {
      const wanted = defaults[role.value] || [];
      form.querySelectorAll("input[name=sections]").forEach((box) => { box.checked = wanted.includes(box.value); });
    });
  });

  // Ask before irreversible actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
