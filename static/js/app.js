// What htmx and plain HTML don't do for Docket: the confirm dialog, the shared modal,
// the phone menu, message toasts and the settings rows' keyboard (a script for one page
// is its own file: connection_form.js, copy_buttons.js, csrf_failure.js).
// htmx does the rest from attributes in the templates: hx-disabled-elt (one request at
// a time), hx-sync and hx-trigger "delay" (search as you type), hx-push-url and
// hx-replace-url (filters in the URL; htmx-config in base.html reloads a page from
// the server on Back, so its filters show what the URL says), and [autofocus] in what
// it swaps in (the first wrong field of a refused form, config/forms.py).
(function () {
  "use strict";
  const byId = (id) => document.getElementById(id);
  const focusLost = () => !document.activeElement || document.activeElement === document.body;

  // --- the confirm dialog (hx-confirm="…" and <form data-confirm="…">) ------------------
  // One question at a time, and only the action it asked about: every way the dialog
  // closes (Cancel, Escape, a click on the backdrop, Yes) forgets the action, so a
  // question cancelled with Escape can never run with the next "Yes".
  const confirmDialog = byId("confirm-dialog");
  let pendingConfirm = null;

  function askToConfirm(question, onYes) {
    if (!confirmDialog) return;
    confirmDialog.querySelector("#confirm-question").textContent = question;
    confirmDialog.returnValue = "";
    pendingConfirm = onYes;
    if (!confirmDialog.open) confirmDialog.showModal();
    confirmDialog.querySelector("button[value=cancel]").focus();
  }

  if (confirmDialog) {
    confirmDialog.addEventListener("close", () => {
      const action = pendingConfirm;
      pendingConfirm = null;
      if (confirmDialog.returnValue === "yes" && action) action();
    });
    // A click outside the box lands on the <dialog> itself (its backdrop area).
    confirmDialog.addEventListener("click", (event) => { if (event.target === confirmDialog) confirmDialog.close(); });
  }

  document.addEventListener("htmx:confirm", (event) => {
    if (!event.detail.question) return;
    event.preventDefault();
    askToConfirm(event.detail.question, () => event.detail.issueRequest(true));
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.dataset.confirm || form.dataset.confirmed) return;
    event.preventDefault();
    askToConfirm(form.dataset.confirm, () => {
      form.dataset.confirmed = "1";
      form.requestSubmit(event.submitter || undefined);
      delete form.dataset.confirmed;
    });
  }, true);

  // --- the shared modal: what is swapped into it opens it; HX-Trigger: closeModal ------
  // A refused form brings its own [autofocus]; a new one starts at its first field
  // (showModal alone would pick the Close button). Closing gives the focus back to
  // the button that opened it (the <dialog> does that).
  document.addEventListener("htmx:afterSwap", (event) => {
    if (!event.detail.target || event.detail.target.id !== "modal-body") return;
    const dialog = byId("modal");
    if (!dialog.open) dialog.showModal();
    const first = dialog.querySelector("[autofocus]") ||
      dialog.querySelector("input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled)");
    if (first) first.focus();
  });
  document.addEventListener("closeModal", () => { const dialog = byId("modal"); if (dialog.open) dialog.close(); });

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target.closest("[data-close-modal]")) {
      event.preventDefault();
      byId("modal").close();
    }
    const dismiss = target.closest("[data-dismiss-flash]");
    if (dismiss) removeFlash(dismiss.closest(".flash"));
    if (target.closest("[data-reload]")) window.location.reload();
    if (target.closest("[data-toggle-sidebar]")) {
      setSidebar(!sidebarOpen(), true);
    } else if (!target.closest("#sidebar")) {
      setSidebar(false);  // a tap outside the open menu closes it
    }
  });

  // --- the phone menu ------------------------------------------------------------------
  // Closed, it is hidden (CSS: visibility), so its links are out of the Tab order;
  // opening moves the focus into it, Escape or Close put it back on the Menu button,
  // and tabbing out of it closes it.
  const sidebarOpen = () => !!byId("sidebar") && byId("sidebar").classList.contains("open");

  function setSidebar(open, moveFocus) {
    const sidebar = byId("sidebar");
    if (!sidebar || sidebarOpen() === open) return;
    sidebar.classList.toggle("open", open);
    document.querySelectorAll("[data-toggle-sidebar]").forEach((button) => button.setAttribute("aria-expanded", String(open)));
    if (!moveFocus) return;
    if (open) {
      const link = sidebar.querySelector("nav a[aria-current=page]") || sidebar.querySelector("nav a, a, button");
      if (link) link.focus();
    } else if (focusLost() || sidebar.contains(document.activeElement)) {
      const menu = Array.from(document.querySelectorAll(".menu-toggle[data-toggle-sidebar]")).find((b) => b.offsetParent !== null);
      if (menu) menu.focus();
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && sidebarOpen()) setSidebar(false, true);
  });
  // Only the keyboard: a tap moves the focus too, and the click handler decides what a
  // tap does (a tap on Menu while open must close it, not close and reopen it).
  let pointerIsDown = false;
  document.addEventListener("pointerdown", () => { pointerIsDown = true; }, true);
  ["pointerup", "pointercancel"].forEach((type) => document.addEventListener(type, () => { pointerIsDown = false; }, true));
  document.addEventListener("focusout", (event) => {
    const sidebar = byId("sidebar");
    if (pointerIsDown || !sidebarOpen() || !sidebar.contains(event.target)) return;
    if (event.relatedTarget && !sidebar.contains(event.relatedTarget)) setSidebar(false);
  });

  // --- messages: a stack of toasts -----------------------------------------------------
  // At the bottom right (full width on a phone), away from the header's buttons, never
  // moving the page; static/css/app.css times them. The page keeps room below its
  // content for the stack, so nothing stays hidden under it.
  const FLASH_MAX = 4;
  const removeFlash = (flash) => flash && flash.classList.add("leaving");

  function reserveFlashSpace() {
    const box = byId("messages");
    const height = box && box.querySelector(".flash") ? box.getBoundingClientRect().height : 0;
    document.documentElement.style.setProperty("--docket-toast-space", Math.ceil(height) + "px");
  }

  document.addEventListener("animationend", (event) => {
    if (event.animationName !== "flash-out") return;
    event.target.remove();
    reserveFlashSpace();
  });
  reserveFlashSpace();
  window.addEventListener("resize", reserveFlashSpace);

  // An open modal makes the rest of the page inert and covers it: while one is open,
  // new toasts go inside its box, under its header; what is still there when it closes
  // moves to the page's stack.
  function flashHost() {
    const box = byId("messages");
    const dialog = Array.from(document.querySelectorAll("dialog[open]")).find((d) => d.matches(":modal"));
    if (!box || !dialog) return box;
    const article = dialog.querySelector(":scope > article") || dialog;
    let host = article.querySelector(":scope > .dialog-messages");
    if (!host) {
      host = document.createElement("div");
      host.className = "messages dialog-messages";
      host.setAttribute("aria-live", "polite");
      const header = article.querySelector(":scope > header");
      article.insertBefore(host, header ? header.nextSibling : article.firstChild);
      dialog.addEventListener("close", () => {
        host.querySelectorAll(".flash:not(.leaving)").forEach((flash) => box.appendChild(flash));
        host.remove();
        reserveFlashSpace();
      }, { once: true });
    }
    return host;
  }

  // showFlash("flash-csrf") shows that toast from base.html; showFlash("flash-template",
  // "error", "…") a message. One with a data-key replaces the last one instead of piling up.
  function showFlash(templateId, level, text) {
    const box = flashHost();
    if (!box) return;
    const flash = byId(templateId).content.firstElementChild.cloneNode(true);
    if (level) flash.classList.add("flash-" + level);
    if (level === "error") flash.setAttribute("role", "alert");
    if (text) flash.querySelector(".flash-text").textContent = text;
    if (flash.dataset.key) document.querySelectorAll('.flash[data-key="' + flash.dataset.key + '"]').forEach((old) => old.remove());
    box.appendChild(flash);
    const all = box.querySelectorAll(".flash:not(.leaving)");
    for (let i = 0; i < all.length - FLASH_MAX; i++) removeFlash(all[i]);
    reserveFlashSpace();
  }

  // Server messages sent with HX-Trigger: {"showMessage": {"level": "success", "text": "..."}}.
  document.addEventListener("showMessage", (event) => {
    if (event.detail) showFlash("flash-template", event.detail.level || "info", event.detail.text || event.detail.value || "");
  });

  // htmx ignores error answers; say so. A refused CSRF token (templates/403_csrf.html
  // marks its page) won't get better by trying again: the session changed, so offer a
  // reload. An answer with its own message (a 413 naming the upload limit) said it.
  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    if (xhr.status === 403 && /data-csrf-failure/.test(xhr.responseText || "")) {
      showFlash("flash-csrf");
    } else if (!/"showMessage"/.test(xhr.getResponseHeader("HX-Trigger") || "")) {
      showFlash("flash-template", "error", "Something went wrong (" + xhr.status + "). Please try again.");
    }
  });

  // --- settings rows (tr[data-row-editor]): Enter saves, Escape cancels or empties -----
  document.addEventListener("keydown", (event) => {
    const row = event.target.closest && event.target.closest("tr[data-row-editor]");
    if (!row || event.isComposing) return;
    if (event.key === "Enter" && !event.target.matches("button, a, textarea")) {
      const save = row.querySelector("[data-row-save]");
      if (!save) return;
      event.preventDefault();
      // A row swapped in moments ago may not be wired up by htmx yet (it does so as
      // the swap settles); a quick typist's Enter must not be lost.
      if (window.htmx) window.htmx.process(save);
      save.click();
    } else if (event.key === "Escape") {
      event.preventDefault();
      const cancel = row.querySelector("[data-row-cancel]");
      if (cancel) return cancel.click();
      row.querySelectorAll("input, select, textarea").forEach((input) => {
        input.value = "";
        input.removeAttribute("aria-invalid");
      });
      row.querySelectorAll(".field-error").forEach((error) => error.remove());
    }
  });

  // --- <input type=checkbox data-enables="name">: the named inputs work only while ticked
  function applyEnables(root) {
    root.querySelectorAll("input[type=checkbox][data-enables]").forEach((toggle) => {
      toggle.form.querySelectorAll('[name="' + toggle.dataset.enables + '"]').forEach((input) => { input.disabled = !toggle.checked; });
    });
  }
  document.addEventListener("change", (event) => { if (event.target.matches("[data-enables]")) applyEnables(event.target.parentNode); });
  document.addEventListener("htmx:load", (event) => applyEnables(event.detail.elt));
  applyEnables(document);

  // --- a plain POST form sends once ----------------------------------------------------
  // (htmx forms and buttons have hx-disabled-elt.) The browser is leaving for the
  // answer: the submit buttons stay off until it comes, turned off after the event so
  // the clicked button's name and value still go with the form. Back on if the page
  // comes back from the back/forward cache, or no answer came after a while.
  const SUBMITS = "button:not([type]), button[type=submit], input[type=submit]";
  function setBusy(buttons, busy) {
    buttons.forEach((button) => {
      button.disabled = busy;
      if (busy) button.setAttribute("aria-busy", "true"); else button.removeAttribute("aria-busy");
    });
  }
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || form.getAttribute("method") !== "post" || form.target) return;
    const buttons = Array.from(form.elements).filter((element) => element.matches(SUBMITS) && !element.disabled);
    setTimeout(() => setBusy(buttons, true), 0);
    setTimeout(() => setBusy(buttons, false), 15000);
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) setBusy(document.querySelectorAll("button[aria-busy=true], input[aria-busy=true]"), false);
  });

  // --- the focus after a swap ----------------------------------------------------------
  // A swap that replaces the focused element (a Delete button htmx disabled, "Add to
  // journal" inside the form it re-renders) drops the focus on <body>. Unless the new
  // content asked for it ([autofocus]), it goes to the swapped region, or when that is
  // gone (a deleted row) to the card it was in, so the keyboard user carries on there.
  const hadFocus = new WeakMap();  // xhr -> {target, id, parent}
  document.addEventListener("htmx:beforeRequest", (event) => {
    const target = event.detail.target;
    if (!target || target.id === "modal-body" || !target.contains(document.activeElement)) return;
    hadFocus.set(event.detail.xhr, { target, id: target.id, parent: target.parentElement });
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const info = hadFocus.get(event.detail.xhr);
    hadFocus.delete(event.detail.xhr);
    // Once htmx has settled the swap and focused any [autofocus].
    if (info) setTimeout(() => {
      if (!focusLost()) return;
      const region = (info.target.isConnected && info.target) || (info.id && byId(info.id)) ||
        (info.parent && info.parent.isConnected && (info.parent.closest("section, .card") || info.parent.closest("[id], main")));
      if (!region) return;
      if (!region.matches("a[href], button, input, select, textarea, [tabindex]")) region.tabIndex = -1;
      region.focus({ preventScroll: true });
    }, 100);
  });
})();
