// Shows a chosen image before it is uploaded: the logo, a company's or a person's image.
// A new choice clears the last upload's error; a file the browser can't show as an
// image hides the preview and says so, instead of a broken-image box.
(function () {
  "use strict";
  const inputs = document.querySelectorAll('input[type="file"][name="logo"], input[type="file"][data-preview]');
  inputs.forEach((input) => {
    const field = input.closest(".field");
    const preview = input.name === "logo"
      ? document.getElementById("logo-choice-preview")
      : field && field.querySelector(".image-preview");
    if (!preview) return;
    // A person's current image stays shown until another is picked.
    const original = preview.getAttribute("src");
    let objectUrl = null;

    function clearErrors() {
      if (!field) return;
      field.querySelectorAll(".field-error").forEach((error) => error.remove());
      field.classList.remove("has-error");
      input.removeAttribute("aria-invalid");
    }

    function complain(text) {
      if (!field) return;
      const error = document.createElement("small");
      error.className = "field-error";
      error.setAttribute("role", "alert");
      error.textContent = text;
      input.insertAdjacentElement("afterend", error);
      field.classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
    }

    function show(src) {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = null;
      if (src) {
        preview.src = src;
        preview.hidden = false;
      } else {
        preview.removeAttribute("src");
        preview.hidden = true;
      }
    }

    // The preview shows only once the browser has drawn the file.
    preview.addEventListener("load", () => {
      if (objectUrl && preview.src === objectUrl) preview.hidden = false;
    });
    preview.addEventListener("error", () => {
      if (!objectUrl || preview.src !== objectUrl) return;
      show(null);
      complain("This file can't be shown as an image. Choose a PNG, JPG, GIF or WebP file.");
    });

    input.addEventListener("change", () => {
      clearErrors();
      const file = input.files && input.files[0];
      if (!file) {
        show(original);
        return;
      }
      if (!file.type.startsWith("image/")) {
        show(null);
        complain("This file isn't an image. Choose a PNG, JPG, GIF or WebP file.");
        return;
      }
      show(null);
      objectUrl = URL.createObjectURL(file);
      preview.src = objectUrl;
    });
  });
})();
