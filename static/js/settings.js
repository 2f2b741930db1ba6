// Shows the chosen logo before it is uploaded.
(function () {
  "use strict";
  const input = document.querySelector('input[type="file"][name="logo"]');
  const preview = document.getElementById("logo-choice-preview");
  if (!input || !preview) return;
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (preview.src) URL.revokeObjectURL(preview.src);
    if (!file || !file.type.startsWith("image/")) {
      preview.hidden = true;
      return;
    }
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  });
})();
