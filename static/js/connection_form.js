// The company / person form (templates/crm/connection_form.html).
(function () {
  "use strict";
  // Custom fields: "Add field" adds an empty row from the template, "Remove" takes a
  // row away (the last one is only emptied). Without JavaScript the page still shows
  // every saved row and one empty row, and emptying a row removes it when saved.
  const box = document.querySelector("[data-customfields]");
  if (box) {
    const rows = box.querySelector("[data-customfield-rows]");
    const template = box.querySelector("[data-customfield-template]");
    const addButton = box.querySelector("[data-add-customfield]");
    const renumber = () => rows.querySelectorAll(".customfield-row").forEach((row, index) => {
      row.querySelector("[data-part=title]").setAttribute("aria-label", "Custom field " + (index + 1) + " title");
      row.querySelector("[data-part=value]").setAttribute("aria-label", "Custom field " + (index + 1) + " value");
      row.querySelector("[data-remove-customfield]").setAttribute("aria-label", "Remove custom field " + (index + 1));
    });
    addButton.addEventListener("click", () => {
      rows.appendChild(template.content.cloneNode(true));
      renumber();
      rows.lastElementChild.querySelector("[data-part=title]").focus();
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
        row.querySelectorAll(".field-error").forEach((error) => error.remove());
      }
      renumber();
      addButton.focus();
    });
    renumber();
  }

  // Tags are one comma-separated field. A datalist only matches the whole value, so
  // its options are rewritten to "what is typed so far, <tag>" for the tag being
  // typed after the last comma, leaving out tags already in the list.
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
