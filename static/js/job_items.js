// The project page's items reordered by dragging: the list posts its new order to the
// job's reorder URL, and the server answers with the job's items as they now are.
// From the keyboard the ↑ ↓ buttons do the same with htmx alone.
(function () {
  "use strict";
  let dragged = null;

  document.addEventListener("dragstart", (event) => {
    const item = event.target.closest && event.target.closest(".item-list > li[draggable]");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.itemId);
  });

  document.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const over = event.target.closest && event.target.closest(".item-list > li[draggable]");
    // Only within the dragged item's own job.
    if (!over || over === dragged || over.parentElement !== dragged.parentElement) return;
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
    const ids = Array.from(list.children, (li) => li.dataset.itemId).filter(Boolean);
    htmx.ajax("POST", list.dataset.reorderUrl, {
      target: list.dataset.reorderTarget,
      swap: "outerHTML",
      values: { items: ids },
    });
  });
})();
