// Shows a chosen image before it is uploaded: the logo, a company's or a person's image.
(function () {
  "use strict";
  const inputs = document.querySelectorAll('input[type="file"][name="logo"], input[type="file"][data-preview]');
  inputs.forEach((input) => {
    const preview = input.name === "logo"
      ? document.getElementById("logo-choice-preview")
      : input.closest(".field") && input.closest(".field").querySelector(".image-preview");
    if (!preview) return;
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      if (!file || !file.type.startsWith("image/")) {
        preview.hidden = true;
        return;
      }
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    });
  });
})();
