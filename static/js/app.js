// Docket's small amount of glue: the shared modal, the confirm dialog, the mobile menu,
// message toasts, copy buttons, filter forms that follow the URL, in-place row editors.
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
      const first = dialog.querySelector("input:not([type=hidden]):not(:disabled), select, textarea");
      if (first) first.focus();
    }
  });
  document.addEventListener("closeModal", () => { const d = modal(); if (d && d.open) d.close(); });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-modal]")) {
      event.preventDefault();
      modal().close();
    }
    const dismiss = event.target.closest("[data-dismiss-flash]");
    if (dismiss) removeFlash(dismiss.closest(".flash"));
    const copy = event.target.closest("[data-copy], [data-copy-text]");
    if (copy) copyFrom(copy);
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

  // --- messages: a stack of toasts over the page --------------------------------------
  // Success and info toasts go after a few seconds (not while the pointer or focus is on
  // them); warnings and errors stay until closed. None of them moves the page.
  const FLASH_SECONDS = 6;  // <div id="messages" data-flash-seconds="…"> overrides it
  const FLASH_MAX = 4;

  function removeFlash(flash) {
    if (!flash || flash.classList.contains("leaving")) return;
    flash.classList.add("leaving");
    setTimeout(() => flash.remove(), 200);
  }

  function armFlash(flash) {
    if (flash.dataset.armed) return;
    flash.dataset.armed = "1";
    if (!flash.querySelector("[data-dismiss-flash]")) {
      const close = document.createElement("button");
      close.type = "button";
      close.className = "flash-close";
      close.setAttribute("aria-label", "Dismiss message");
      close.dataset.dismissFlash = "";
      close.textContent = "×";
      flash.appendChild(close);
    }
    if (!/\bflash-(success|info)\b/.test(flash.className)) return;
    let timer = null;
    const box = document.getElementById("messages");
    const seconds = Number((box && box.dataset.flashSeconds) || FLASH_SECONDS);
    const start = () => { clearTimeout(timer); timer = setTimeout(() => removeFlash(flash), seconds * 1000); };
    const hold = () => clearTimeout(timer);
    flash.addEventListener("mouseenter", hold);
    flash.addEventListener("focusin", hold);
    flash.addEventListener("mouseleave", () => { if (!flash.contains(document.activeElement)) start(); });
    flash.addEventListener("focusout", (event) => { if (!flash.contains(event.relatedTarget)) start(); });
    start();
  }

  function showFlash(level, text, role) {
    const box = document.getElementById("messages");
    if (!box) return;
    const flash = document.createElement("div");
    flash.className = "flash flash-" + level;
    flash.setAttribute("role", role || (level === "error" ? "alert" : "status"));
    const span = document.createElement("span");
    span.className = "flash-text";
    span.textContent = text;
    flash.appendChild(span);
    box.appendChild(flash);
    const all = box.querySelectorAll(".flash:not(.leaving)");
    for (let i = 0; i < all.length - FLASH_MAX; i++) removeFlash(all[i]);
    armFlash(flash);
  }

  document.querySelectorAll("#messages .flash").forEach(armFlash);

  // Server messages sent with HX-Trigger: {"showMessage": {"level": "success", "text": "..."}}.
  document.addEventListener("showMessage", (event) => {
    if (!event.detail) return;
    showFlash(event.detail.level || "info", event.detail.text || event.detail.value || "");
  });

  // Keep htmx error answers visible rather than silently doing nothing.
  document.addEventListener("htmx:responseError", (event) => {
    showFlash("error", "Something went wrong (" + event.detail.xhr.status + "). Please try again.", "alert");
  });

  // --- copy buttons: <button data-copy="#element-id"> or data-copy-text="..." ----------
  function selectText(element) {
    const selection = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents(element);
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(text, source) {
    // Without the async clipboard (plain http on a LAN address), select the text and
    // ask the browser to copy it; the selection stays, so Ctrl+C works as a last resort.
    let helper = null;
    if (source) {
      selectText(source);
    } else {
      helper = document.createElement("textarea");
      helper.value = text;
      helper.setAttribute("readonly", "");
      helper.style.position = "fixed";
      helper.style.opacity = "0";
      document.body.appendChild(helper);
      helper.select();
    }
    let copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    if (helper) helper.remove();
    return copied;
  }

  function copyFrom(button) {
    const source = button.dataset.copy ? document.querySelector(button.dataset.copy) : null;
    const text = button.dataset.copyText || (source ? source.textContent.trim() : "");
    if (!text) return;
    if (button._copyLabel === undefined) {
      button._copyLabel = button.textContent;
      button._copyAriaLabel = button.getAttribute("aria-label");
    }
    const done = (copied) => {
      const said = copied ? "Copied" : "Press Ctrl+C to copy";
      button.textContent = said;
      if (button._copyAriaLabel) button.setAttribute("aria-label", said);
      button.classList.toggle("copied", copied);
      clearTimeout(button._copyTimer);
      button._copyTimer = setTimeout(() => {
        button.textContent = button._copyLabel;
        if (button._copyAriaLabel) button.setAttribute("aria-label", button._copyAriaLabel);
        button.classList.remove("copied");
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => done(true), () => done(legacyCopy(text, source)));
    } else {
      done(legacyCopy(text, source));
    }
  }

  // --- filter forms follow the URL -----------------------------------------------------
  // htmx restores a page from its history snapshot, which keeps the HTML but not what
  // was typed or picked; after Back/Forward set every filter control from the URL.
  const FILTER_FORMS = "form.filters, form[role=search], form[data-url-state]";
  const NOT_STATE = ["hidden", "submit", "button", "reset", "file", "image"];

  function syncFiltersFromUrl() {
    const params = new URLSearchParams(window.location.search);
    document.querySelectorAll(FILTER_FORMS).forEach((form) => {
      Array.from(form.elements).forEach((control) => {
        const type = (control.type || "").toLowerCase();
        if (!control.name || NOT_STATE.includes(type)) return;
        const values = params.getAll(control.name);
        if (type === "checkbox" || type === "radio") {
          control.checked = values.includes(control.value);
        } else if (control.tagName === "SELECT" && control.multiple) {
          Array.from(control.options).forEach((option) => { option.selected = values.includes(option.value); });
        } else if (control.tagName === "SELECT") {
          control.value = values.length ? values[0] : "";
          if (control.selectedIndex === -1) control.selectedIndex = 0;
        } else {
          control.value = values.length ? values[0] : "";
        }
      });
    });
  }

  document.addEventListener("htmx:historyRestore", () => {
    syncFiltersFromUrl();
    // Toasts in the snapshot are old news.
    document.querySelectorAll("#messages .flash").forEach((flash) => flash.remove());
  });
  window.addEventListener("popstate", syncFiltersFromUrl);

  // --- in-place row editors (settings tables) -------------------------------------------
  // Enter in a row's input saves it, Escape cancels the edit (or empties the add row).
  const ROW_EDITOR = "tr[data-row-editor]";

  document.addEventListener("keydown", (event) => {
    const row = event.target.closest && event.target.closest(ROW_EDITOR);
    if (!row || event.isComposing) return;
    if (event.key === "Enter" && !event.target.matches("button, a, textarea")) {
      const save = row.querySelector("[data-row-save]");
      if (save) {
        event.preventDefault();
        save.click();
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      const cancel = row.querySelector("[data-row-cancel]");
      if (cancel) {
        cancel.click();
      } else {
        row.querySelectorAll("input, select, textarea").forEach((input) => {
          input.value = "";
          input.removeAttribute("aria-invalid");
        });
        row.querySelectorAll(".field-error").forEach((error) => error.remove());
      }
    }
  });

  function focusLost() {
    return !document.activeElement || document.activeElement === document.body;
  }

  // After a row comes back from the server, put the focus where the keyboard user
  // needs it: in the edit row's first (or first wrong) input, back on the row's Edit
  // button after Save or Cancel, in the add row after adding.
  document.addEventListener("htmx:load", (event) => {
    const element = event.detail.elt;
    if (!(element instanceof HTMLTableRowElement)) return;
    if (element.matches(ROW_EDITOR)) {
      // htmx may already have put the focus back on the same input of the new row.
      const wasHere = focusLost() || element.contains(document.activeElement);
      if (!element.classList.contains("editing") && !wasHere) return;
      const input = element.querySelector("[aria-invalid=true]") || element.querySelector("input, select, textarea");
      if (input) input.focus();
    } else {
      // Deferred: when a row comes back with a fresh add row, the add row goes first.
      const edit = element.querySelector("[data-row-edit]");
      if (edit) setTimeout(() => { if (focusLost() && edit.isConnected) edit.focus(); }, 0);
    }
  });

  // --- <input type=checkbox data-enables="name">: the named inputs work only while ticked
  function applyEnables(toggle) {
    const form = toggle.form;
    if (!form) return;
    form.querySelectorAll('[name="' + CSS.escape(toggle.dataset.enables) + '"]').forEach((input) => {
      input.disabled = !toggle.checked;
    });
  }
  function applyAllEnables(root) {
    root.querySelectorAll("input[type=checkbox][data-enables]").forEach(applyEnables);
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("input[type=checkbox][data-enables]")) {
      applyEnables(event.target);
    }
  });
  document.addEventListener("htmx:load", (event) => applyAllEnables(event.detail.elt));
  applyAllEnables(document);
})();
