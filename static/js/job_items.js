// The project page's lists reordered by dragging: a project's jobs, and each job's
// items. A list names where its order goes (data-reorder-url, the field
// data-reorder-name, the block data-reorder-target the server answers with); its rows
// carry their ids (data-reorder-id). From the keyboard the ↑ ↓ buttons do the same with
// htmx alone.
(function () {
  "use strict";
  const ROW = "[data-reorder-url] > li[draggable]";
  let dragged = null;

  document.addEventListener("dragstart", (event) => {
    // The innermost row: dragging an item moves the item, not its job.
    const row = event.target.closest && event.target.closest(ROW);
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.reorderId);
  });

  document.addEventListener("dragover", (event) => {
    if (!dragged) return;
    // Only among the dragged row's own list: a job passing over another job's items
    // is over that job.
    let over = event.target;
    while (over && over.parentElement !== dragged.parentElement) over = over.parentElement;
    if (!over || over === dragged || !over.matches("li[draggable]")) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    over.parentElement.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", (event) => { if (dragged) event.preventDefault(); });

  document.addEventListener("dragend", () => {
    if (!dragged) return;
    const list = dragged.parentElement;
    dragged.classList.remove("dragging");
    dragged = null;
    const ids = Array.from(list.children, (li) => li.dataset.reorderId).filter(Boolean);
    htmx.ajax("POST", list.dataset.reorderUrl, {
      target: list.dataset.reorderTarget,
      swap: "outerHTML",
      values: { [list.dataset.reorderName]: ids },
    });
  });
})();
