// Docket's small amount of glue: the shared modal, the confirm dialog, the mobile menu.
(function () {
  "use strict";
  const modal = () => document.getElementById("modal");
  const confirmDialog = () => document.getElementById("confirm-dialog");

  function askToConfirm(question, onYes) {
    const dialog = confirmDialog();
    dialog.querySelector("#confirm-question").textContent = question;
    const ok = dialog.querySelector("[data-confirm-ok]");
    const cancel = dialog.querySelector("[data-confirm-cancel]");
    const close = (confirmed) => {
      ok.removeEventListener("click", yes);
      cancel.removeEventListener("click", no);
      dialog.close();
      if (confirmed) onYes();
    };
    const yes = () => close(true);
    const no = () => close(false);
    ok.addEventListener("click", yes);
    cancel.addEventListener("click", no);
    dialog.showModal();
    cancel.focus();
  }

  // hx-confirm="..." asks in our dialog instead of the browser's window.confirm.
  document.addEventListener("htmx:confirm", (event) => {
    if (!event.detail.question) return;
    event.preventDefault();
    askToConfirm(event.detail.question, () => event.detail.issueRequest(true));
  });

  // Plain forms: <form data-confirm="Delete this?">.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.dataset.confirmed) return;
    event.preventDefault();
    askToConfirm(form.dataset.confirm, () => {
      form.dataset.confirmed = "1";
      form.requestSubmit(event.submitter || undefined);
      delete form.dataset.confirmed;
    });
  }, true);

  // Anything swapped into the modal opens it; HX-Trigger: closeModal closes it.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "modal-body") {
      const dialog = modal();
      if (!dialog.open) dialog.showModal();
      const first = dialog.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });
  document.addEventListener("closeModal", () => { const d = modal(); if (d && d.open) d.close(); });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-modal]")) {
      event.preventDefault();
      modal().close();
    }
    const toggle = event.target.closest("[data-toggle-sidebar]");
    if (toggle) {
      setSidebar(!document.getElementById("sidebar").classList.contains("open"));
    } else if (!event.target.closest("#sidebar")) {
      setSidebar(false);  // a tap outside the open menu closes it
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setSidebar(false);
  });

  function setSidebar(open) {
    const sidebar = document.getElementById("sidebar");
    if (!sidebar || sidebar.classList.contains("open") === open) return;
    sidebar.classList.toggle("open", open);
    document.querySelectorAll("[data-toggle-sidebar]").forEach((button) => {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Server messages sent with HX-Trigger: {"showMessage": {"level": "success", "text": "..."}}.
  document.addEventListener("showMessage", (event) => {
    const box = document.getElementById("messages");
    if (!box || !event.detail) return;
    const flash = document.createElement("div");
    flash.className = "flash flash-" + (event.detail.level || "info");
    flash.setAttribute("role", "status");
    flash.textContent = event.detail.text || event.detail.value || "";
    box.appendChild(flash);
    setTimeout(() => flash.remove(), 6000);
  });

  // Keep htmx error answers visible rather than silently doing nothing.
  document.addEventListener("htmx:responseError", (event) => {
    const box = document.getElementById("messages");
    if (!box) return;
    const flash = document.createElement("div");
    flash.className = "flash flash-error";
    flash.setAttribute("role", "alert");
    flash.textContent = "Something went wrong (" + event.detail.xhr.status + "). Please try again.";
    box.appendChild(flash);
  });
})();
