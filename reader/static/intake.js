// Adding a document: say at once that a chosen file is over the size limit, before it is sent.
const form = document.querySelector("form.intake-form");
if (form) {
  const input = form.querySelector("input[type=file]");
  const limit = Number(form.dataset.maxBytes);
  const message = document.createElement("p");
  message.className = "error";
  message.id = "file-size-error";
  message.setAttribute("role", "alert");
  const tooLarge = () => input.files.length > 0 && input.files[0].size > limit;
  const check = () => {
    if (tooLarge()) {
      const mb = (input.files[0].size / 1024 / 1024).toFixed(1);
      message.textContent = `${input.files[0].name} is ${mb} MB, larger than the limit of ${form.dataset.maxSize}.`;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", message.id);
      input.closest(".field").append(message);
    } else {
      message.remove();
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  };
  input.addEventListener("change", check);
  form.addEventListener("submit", (event) => {
    check();
    if (tooLarge()) {
      event.preventDefault();
      input.focus();
    }
  });
}
