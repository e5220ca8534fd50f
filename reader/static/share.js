// "Share" links (a[data-share]): a plain click copies the address of the note's share
// page instead of opening it, and says so. Without JavaScript, with a modifier key, or
// where the clipboard is refused (a frame not allowed to write to it), the link opens.

const COPIED_FOR = 2500; // ms the link reads "Link copied"
let following = null; // the link whose copy failed: this click opens it

function say(message) {
  const status = document.getElementById("reader-status");
  if (status) status.textContent = message;
}

function showCopied(link) {
  if (!link.dataset.label) link.dataset.label = link.innerHTML;
  link.textContent = "Link copied";
  link.classList.add("is-copied");
  clearTimeout(Number(link.dataset.timer));
  link.dataset.timer = String(setTimeout(() => {
    link.innerHTML = link.dataset.label;
    link.classList.remove("is-copied");
  }, COPIED_FOR));
}

async function onClick(event) {
  const link = event.target.closest?.("a[data-share]");
  if (!link || link === following) { following = null; return; }
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  if (!navigator.clipboard?.writeText) return;
  event.preventDefault();
  try {
    await navigator.clipboard.writeText(link.href);
    showCopied(link);
    say("The link to this note is copied.");
  } catch {
    following = link;
    link.click();
  }
}

document.addEventListener("click", onClick);
