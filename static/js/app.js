// Docket's small amount of glue: the shared modal, the confirm dialog, the mobile menu,
// message toasts, copy buttons, filter forms that follow the URL, in-place row editors.
(function () {
  "use strict";
  const modal = () => document.getElementById("modal");
  const confirmDialog = () => document.getElementById("confirm-dialog");

  // One confirmation at a time, and only the action it asked about: every way the
  // dialog closes (Cancel, Escape, a click on the backdrop, Yes) forgets the action,
  // so a question cancelled with Escape can never run with the next "Yes".
  let pendingConfirm = null;

  function askToConfirm(question, onYes) {
    const dialog = confirmDialog();
    if (!dialog) return;
    dialog.querySelector("#confirm-question").textContent = question;
    pendingConfirm = onYes;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector("[data-confirm-cancel]").focus();
  }

  function answerConfirm(yes) {
    const dialog = confirmDialog();
    const action = pendingConfirm;
    pendingConfirm = null;
    if (dialog && dialog.open) dialog.close();
    if (yes && action) action();
  }

  function wireConfirmDialog() {
    const dialog = confirmDialog();
    if (!dialog) return;
    dialog.querySelector("[data-confirm-ok]").addEventListener("click", () => answerConfirm(true));
    dialog.querySelector("[data-confirm-cancel]").addEventListener("click", () => answerConfirm(false));
    // Escape fires "cancel" and closes the dialog without any button.
    dialog.addEventListener("cancel", () => { pendingConfirm = null; });
    // A click outside the box lands on the <dialog> itself (its backdrop area).
    dialog.addEventListener("click", (event) => { if (event.target === dialog) answerConfirm(false); });
    // Whatever else closes it (dialog.close(), a form method=dialog): nothing stays queued.
    // The check keeps a question asked from inside the Yes action.
    dialog.addEventListener("close", () => { if (!dialog.open) pendingConfirm = null; });
  }
  wireConfirmDialog();

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
      // The first wrong field after a refused save, else the first field.
      const first = dialog.querySelector(FIRST_WRONG) ||
        dialog.querySelector("input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled)");
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
      setSidebar(!sidebarOpen(), { focus: true });
    } else if (!event.target.closest("#sidebar")) {
      setSidebar(false);  // a tap outside the open menu closes it
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && sidebarOpen()) {
      // Back to the Menu button the keyboard user opened it with.
      setSidebar(false, { focus: true });
    }
  });

  // --- the phone menu ---------------------------------------------------------------
  // Closed, it is hidden (CSS: visibility), so its links are out of the Tab order;
  // opening moves the focus into it, Escape or Close put it back on the Menu button,
  // and tabbing out of it closes it.
  function sidebarOpen() {
    const sidebar = document.getElementById("sidebar");
    return !!sidebar && sidebar.classList.contains("open");
  }

  function menuButton() {
    return Array.from(document.querySelectorAll(".menu-toggle[data-toggle-sidebar]"))
      .find((button) => button.offsetParent !== null);
  }

  function setSidebar(open, options) {
    const sidebar = document.getElementById("sidebar");
    if (!sidebar || sidebarOpen() === open) return;
    sidebar.classList.toggle("open", open);
    document.querySelectorAll("[data-toggle-sidebar]").forEach((button) => {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    if (!options || !options.focus) return;
    if (open) {
      const target = sidebar.querySelector("nav a[aria-current=page]") || sidebar.querySelector("nav a, a, button");
      if (target) target.focus();
    } else if (focusLost() || sidebar.contains(document.activeElement)) {
      const button = menuButton();
      if (button) button.focus();
    }
  }

  // Only the keyboard: a tap moves the focus too, and the click handler above decides
  // what a tap does (a tap on Menu while open must close it, not close and reopen it).
  let pointerIsDown = false;
  document.addEventListener("pointerdown", () => { pointerIsDown = true; }, true);
  ["pointerup", "pointercancel"].forEach((type) => {
    document.addEventListener(type, () => { pointerIsDown = false; }, true);
  });
  document.addEventListener("focusout", (event) => {
    const sidebar = document.getElementById("sidebar");
    if (pointerIsDown || !sidebar || !sidebarOpen() || !sidebar.contains(event.target)) return;
    const next = event.relatedTarget;
    if (next && !sidebar.contains(next)) setSidebar(false);
  });

  // --- messages: a stack of toasts ---------------------------------------------------
  // They sit at the bottom right (full width at the bottom on a phone), away from the
  // page header and its buttons, and never move the page. Success and info go after a
  // few seconds, warnings after a while longer (not while the pointer or focus is on
  // them); errors stay until closed. The page keeps room below its content for the
  // stack, so nothing stays hidden under it.
  const FLASH_SECONDS = 6;  // <div id="messages" data-flash-seconds="…"> overrides it
  const FLASH_WARNING_FACTOR = 2.5;
  const FLASH_MAX = 4;

  function removeFlash(flash) {
    if (!flash || flash.classList.contains("leaving")) return;
    flash.classList.add("leaving");
    setTimeout(() => { flash.remove(); reserveFlashSpace(); }, 200);
  }

  function reserveFlashSpace() {
    const box = document.getElementById("messages");
    if (!box) return;
    const height = box.querySelector(".flash") ? box.getBoundingClientRect().height : 0;
    document.documentElement.style.setProperty("--docket-toast-space", Math.ceil(height) + "px");
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
    reserveFlashSpace();
    const fades = /\bflash-(success|info)\b/.test(flash.className);
    const warning = /\bflash-warning\b/.test(flash.className);
    if (!fades && !warning) return;
    let timer = null;
    const box = document.getElementById("messages");
    const seconds = Number((box && box.dataset.flashSeconds) || FLASH_SECONDS) * (warning ? FLASH_WARNING_FACTOR : 1);
    const start = () => { clearTimeout(timer); timer = setTimeout(() => removeFlash(flash), seconds * 1000); };
    const hold = () => clearTimeout(timer);
    flash.addEventListener("mouseenter", hold);
    flash.addEventListener("focusin", hold);
    flash.addEventListener("mouseleave", () => { if (!flash.contains(document.activeElement)) start(); });
    flash.addEventListener("focusout", (event) => { if (!flash.contains(event.relatedTarget)) start(); });
    start();
  }

  // An open modal dialog makes the rest of the page inert and covers it: while one is
  // open, new toasts go inside its box, at the top (under its header), where they cover
  // none of its buttons; what is still there when it closes moves to the page's stack.
  function flashHost() {
    const box = document.getElementById("messages");
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

  // showFlash("error", "…", {role: "alert", action: {label: "Reload", run: fn}, key: "csrf"}):
  // a toast with the same key replaces the last one instead of piling up.
  function showFlash(level, text, options) {
    const box = flashHost();
    if (!box) return null;
    options = options || {};
    if (options.key) {
      document.querySelectorAll('.flash[data-key="' + CSS.escape(options.key) + '"]').forEach((old) => old.remove());
    }
    const flash = document.createElement("div");
    flash.className = "flash flash-" + level;
    flash.setAttribute("role", options.role || (level === "error" ? "alert" : "status"));
    if (options.key) flash.dataset.key = options.key;
    const span = document.createElement("span");
    span.className = "flash-text";
    span.textContent = text;
    flash.appendChild(span);
    if (options.action) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small flash-action";
      button.textContent = options.action.label;
      button.addEventListener("click", options.action.run);
      flash.appendChild(button);
    }
    box.appendChild(flash);
    const all = box.querySelectorAll(".flash:not(.leaving)");
    for (let i = 0; i < all.length - FLASH_MAX; i++) removeFlash(all[i]);
    armFlash(flash);
    return flash;
  }

  document.querySelectorAll("#messages .flash").forEach(armFlash);
  window.addEventListener("resize", reserveFlashSpace);

  // Server messages sent with HX-Trigger: {"showMessage": {"level": "success", "text": "..."}}.
  document.addEventListener("showMessage", (event) => {
    if (!event.detail) return;
    showFlash(event.detail.level || "info", event.detail.text || event.detail.value || "");
  });

  // Keep htmx error answers visible rather than silently doing nothing. A refused CSRF
  // token (templates/403_csrf.html marks its page) won't get better by trying again:
  // the page's token is stale because the session changed, so offer a reload.
  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    if (xhr.status === 403 && /data-csrf-failure/.test(xhr.responseText || "")) {
      showFlash("error", "Your session changed (signed in elsewhere?). Reload the page to continue.", {
        role: "alert",
        key: "csrf",
        action: { label: "Reload", run: () => window.location.reload() },
      });
      return;
    }
    // An answer that carries its own message (a 413 naming the upload limit) has
    // already said what went wrong through HX-Trigger.
    if (/"showMessage"/.test(xhr.getResponseHeader("HX-Trigger") || "")) return;
    showFlash("error", "Something went wrong (" + xhr.status + "). Please try again.", { role: "alert" });
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
        // A row swapped in moments ago may not be wired up by htmx yet (it does so
        // as the swap settles); a quick typist's Enter must not be lost.
        if (window.htmx) window.htmx.process(save);
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

  // A form the server refused comes back as a whole new page with the focus on <body>:
  // start the keyboard (and the screen reader) at what needs fixing instead.
  (function focusFirstError() {
    const main = document.getElementById("main");
    const error = main && main.querySelector(".form-errors, [aria-invalid=true], .has-error :is(input, select, textarea)");
    if (!error || !focusLost()) return;
    if (error.matches(".form-errors")) error.tabIndex = -1;
    error.focus();
  })();

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

  // --- one request at a time from a form or button ------------------------------------
  // While a form's htmx request that changes something runs, its submit buttons are
  // disabled (and a button's own hx-post disables that button), so a double click can't
  // send it twice: the second "Add" used to create the user and then report them as
  // "already used".
  const SUBMITS = "button:not([type]), button[type=submit], input[type=submit], input[type=image]";
  const busy = new WeakMap();  // xhr -> {buttons, focused}

  function submitButtons(form) {
    return Array.from(form.elements).filter((element) => element.matches(SUBMITS));
  }

  function disableWhileBusy(buttons) {
    const focused = buttons.find((button) => button === document.activeElement) || null;
    const disabled = buttons.filter((button) => !button.disabled);
    disabled.forEach((button) => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.dataset.busy = "";
    });
    return { buttons: disabled, focused };
  }

  function enableAfterBusy(state) {
    state.buttons.forEach((button) => {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      delete button.dataset.busy;
    });
    // A disabled button drops the focus; give it back if nothing else took it.
    if (state.focused && state.focused.isConnected && focusLost()) state.focused.focus();
  }

  document.addEventListener("htmx:beforeSend", (event) => {
    // Reading twice does no harm, and a button that opens the modal keeps its focus
    // (the modal gives the focus back to it when it closes).
    const verb = ((event.detail.requestConfig && event.detail.requestConfig.verb) || "get").toLowerCase();
    if (verb === "get") return;
    const element = event.detail.elt;
    let buttons = [];
    if (element instanceof HTMLFormElement) {
      buttons = submitButtons(element);
    } else if (element instanceof HTMLButtonElement || (element instanceof HTMLInputElement && element.matches(SUBMITS))) {
      buttons = [element];
    }
    if (buttons.length) busy.set(event.detail.xhr, disableWhileBusy(buttons));
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const state = busy.get(event.detail.xhr);
    if (!state) return;
    busy.delete(event.detail.xhr);
    enableAfterBusy(state);
  });

  // Plain POST forms: the browser is leaving for the answer, so their submit buttons
  // stay off until it arrives. Disabled after the event, so the clicked button's
  // name and value still go with the form; back on if the page comes back from the
  // back/forward cache, or if no answer replaced the page after a while.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post" || form.target) return;
    setTimeout(() => {
      const state = disableWhileBusy(submitButtons(form));
      setTimeout(() => enableAfterBusy(state), 15000);
    }, 0);
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    document.querySelectorAll("[data-busy]").forEach((button) => {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      delete button.dataset.busy;
    });
  });

  // --- keep the keyboard focus through swaps --------------------------------------------
  // When a swap replaces the element that had the focus ("Add to journal" inside the
  // form it re-renders, a row's Save), the focus would drop to <body> and a keyboard
  // user would start again from the top. After the swap: the new content's [autofocus]
  // field, else its first wrong field, else the swapped region itself.
  const lostFocus = new WeakMap();  // xhr -> {target, id, parent}
  const FIRST_WRONG = [
    ".has-error input:not([type=hidden]):not(:disabled)",
    ".has-error select:not(:disabled)",
    ".has-error textarea:not(:disabled)",
    "[aria-invalid=true]:not(:disabled)",
  ].join(", ");

  function hadFocus(target, xhr) {
    const state = busy.get(xhr);
    const active = focusLost() ? state && state.focused : document.activeElement;
    return !!active && (target === active || target.contains(active));
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (!target || !event.detail.shouldSwap) return;
    if (target.id === "modal-body") return;  // the modal puts its own focus
    if (hadFocus(target, event.detail.xhr)) {
      lostFocus.set(event.detail.xhr, { target, id: target.id, parent: target.parentElement });
    }
  });

  function focusable(element) {
    return element.isConnected && !element.closest("[hidden], [inert], dialog:not([open])") && element.getClientRects().length > 0;
  }

  function regionAfterSwap(info, eventTarget) {
    if (info.target.isConnected) return info.target;
    if (info.id) {
      const again = document.getElementById(info.id);
      if (again) return again;
    }
    if (eventTarget instanceof Element && eventTarget.isConnected && eventTarget !== document.body) return eventTarget;
    // Swapped away entirely (a deleted row): the nearest region that is still there.
    if (!info.parent || !info.parent.isConnected) return null;
    return info.parent.closest("section, .card") || info.parent.closest("[id], main");
  }

  function restoreFocus(xhr, eventTarget) {
    const info = lostFocus.get(xhr);
    if (!info) return;
    lostFocus.delete(xhr);
    // Deferred, so handlers that know better (the row editors above) go first.
    setTimeout(() => {
      if (!focusLost()) return;
      const region = regionAfterSwap(info, eventTarget);
      if (!region || region === document.body) return;
      const field = [region.querySelector("[autofocus]"), region.querySelector(FIRST_WRONG)]
        .find((element) => element && focusable(element));
      if (field) {
        field.focus();
        return;
      }
      if (!region.matches("a[href], button, input, select, textarea, [tabindex]")) region.setAttribute("tabindex", "-1");
      region.focus({ preventScroll: true });
    }, 0);
  }

  document.addEventListener("htmx:afterSettle", (event) => restoreFocus(event.detail.xhr, event.target));
  // A swap that leaves nothing behind (a deleted row) has no element to settle, so no
  // afterSettle: catch up a little after the usual settle delay.
  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    if (lostFocus.has(xhr)) setTimeout(() => restoreFocus(xhr, null), 100);
  });
})();

// --- the company / person form (templates/crm/connection_form.html) -------------------
// Custom fields: "Add field" adds an empty row from the template, "Remove" takes a
// row away (the last one is only emptied). Without JavaScript the page still shows
// every saved row and one empty row, and emptying a row removes it when saved.
(function () {
  "use strict";
  const box = document.querySelector("[data-customfields]");
  if (!box) return;
  const rows = box.querySelector("[data-customfield-rows]");
  const template = box.querySelector("[data-customfield-template]");
  const addButton = box.querySelector("[data-add-customfield]");
  function renumber() {
    rows.querySelectorAll(".customfield-row").forEach((row, index) => {
      const number = index + 1;
      row.querySelector("[data-part=title]").setAttribute("aria-label", "Custom field " + number + " title");
      row.querySelector("[data-part=value]").setAttribute("aria-label", "Custom field " + number + " value");
      row.querySelector("[data-remove-customfield]").setAttribute("aria-label", "Remove custom field " + number);
    });
  }
  addButton.addEventListener("click", () => {
    rows.appendChild(template.content.cloneNode(true));
    renumber();
    const all = rows.querySelectorAll(".customfield-row");
    all[all.length - 1].querySelector("[data-part=title]").focus();
  });
  rows.addEventListener("click", (event) => {
    const remove = event.target.closest("[data-remove-customfield]");
    if (!remove) return;
    const row = remove.closest(".customfield-row");
    if (rows.querySelectorAll(".customfield-row").length > 1) {
      row.remove();
    } else {
      row.querySelectorAll("input").forEach((input) => { input.value = ""; });
      row.classList.remove("has-error");
      const error = row.querySelector(".field-error");
      if (error) error.remove();
    }
    renumber();
    addButton.focus();
  });
  renumber();
})();
// Tags are one comma-separated field. A datalist only matches the whole value, so
// its options are rewritten to "what is typed so far, <tag>" for the tag being
// typed after the last comma, leaving out tags already in the list.
(function () {
  const input = document.querySelector('input[list="tag-suggestions"]');
  const list = document.getElementById("tag-suggestions");
  if (!input || !list) return;
  const known = Array.from(list.options, (option) => option.value);
  function suggest() {
    const parts = input.value.split(",");
    const done = parts.slice(0, -1).map((part) => part.trim()).filter(Boolean);
    const typed = parts[parts.length - 1].trim().toLowerCase();
    const chosen = new Set(done.map((tag) => tag.toLowerCase()));
    const head = done.length ? done.join(", ") + ", " : "";
    list.replaceChildren(...known
      .filter((tag) => !chosen.has(tag.toLowerCase()) && tag.toLowerCase().startsWith(typed))
      .map((tag) => new Option(head + tag, head + tag)));
  }
  input.addEventListener("input", suggest);
  input.addEventListener("focus", suggest);
})();
// "Remove image" greys out the current image it will take off.
(function () {
  const remove = document.querySelector('input[name="remove_image"]');
  const preview = document.querySelector(".connection-form .image-preview");
  if (!remove || !preview) return;
  remove.addEventListener("change", () => { preview.style.opacity = remove.checked ? "0.3" : ""; });
})();

// --- the CSRF failure page (templates/403_csrf.html) --------------------------------
// Reload the page the form was on: a fresh copy brings a fresh token (going Back alone
// would show the stale copy from the cache). Without JavaScript the link goes home.
(function () {
  const back = document.getElementById("csrf-back");
  const from = document.referrer;
  if (back && from && from.indexOf(window.location.origin + "/") === 0) back.href = from;
})();
