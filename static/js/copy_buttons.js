// Copy buttons (templates/settings/api.html): <button data-copy="#element-id"> copies
// that element's text, <button data-copy-text="…"> the text itself.
(function () {
  "use strict";
  // Without the async clipboard (plain http on a LAN address) the text is selected and
  // the browser asked to copy it; the selection stays, so Ctrl+C works as a last resort.
  function legacyCopy(text, source) {
    const node = source || document.body.appendChild(Object.assign(document.createElement("span"), { className: "copy-helper", textContent: text }));
    const range = document.createRange();
    range.selectNodeContents(node);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    let copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    if (!source) node.remove();
    return copied;
  }

  function copyFrom(button) {
    const source = button.dataset.copy ? document.querySelector(button.dataset.copy) : null;
    const text = button.dataset.copyText || (source ? source.textContent.trim() : "");
    if (!text) return;
    // A button named by aria-label ("Copy the token of …") says "Copied" there too.
    const label = button.dataset.label || (button.dataset.label = button.textContent);
    const name = button.dataset.name || (button.dataset.name = button.getAttribute("aria-label") || "");
    const say = (words, spoken) => {
      button.textContent = words;
      if (name) button.setAttribute("aria-label", spoken);
    };
    const done = (copied) => {
      const words = copied ? "Copied" : "Press Ctrl+C to copy";
      say(words, words);
      button.classList.toggle("copied", copied);
      clearTimeout(button.copyTimer);
      button.copyTimer = setTimeout(() => { say(label, name); button.classList.remove("copied"); }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => done(true), () => done(legacyCopy(text, source)));
    } else {
      done(legacyCopy(text, source));
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy], [data-copy-text]");
    if (button) copyFrom(button);
  });
})();
