// Progressive enhancement of the portal; every form also works without this script.
"use strict";

// Count user-perceived characters (grapheme clusters), as the server does.
function countChars(text) {
  if (typeof Intl !== "undefined" && Intl.Segmenter) {
    let n = 0;
    for (const _ of new Intl.Segmenter("zh", { granularity: "grapheme" }).segment(text)) n++;
    return n;
  }
  return Array.from(text).length;
}

function setupCounter() {
  const area = document.getElementById("comment-body");
  const counter = document.getElementById("comment-counter");
  if (!area || !counter) return;
  const max = parseInt(area.dataset.max || "250", 10);
  const form = area.form;
  const submit = form ? form.querySelector("button[type=submit]") : null;
  const update = () => {
    const used = countChars(area.value);
    const left = max - used;
    counter.textContent = left >= 0 ? `已输入 ${used} 字，还可输入 ${left} 字` : `已超出 ${-left} 字（最多 ${max} 字）`;
    counter.classList.toggle("over", left < 0);
    if (submit) submit.disabled = left < 0 || used === 0;
  };
  area.addEventListener("input", update);
  update();
}

function setupReplies() {
  const parent = document.getElementById("parent-id");
  const note = document.getElementById("replying");
  if (!parent || !note) return;
  document.querySelectorAll(".reply-link").forEach((link) => {
    link.addEventListener("click", () => {
      parent.value = link.dataset.reply || "";
      note.hidden = false;
      note.textContent = `回复 ${link.dataset.who || "网友"}（点此取消）`;
      document.getElementById("comment-body")?.focus();
    });
  });
  note.addEventListener("click", () => { parent.value = ""; note.hidden = true; });
}

function setupReactions() {
  document.querySelectorAll("form.js-reaction").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      try {
        const response = await fetch(form.action, {
          // URL-encoded like a plain form post (the portal refuses multipart bodies)
          method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        const data = await response.json().catch(() => ({}));
        if (response.status === 401 && data.login) { window.location.href = data.login; return; }
        if (!response.ok) { form.submit(); return; }  // the page version says why, in Chinese
        if (button) {
          const count = button.querySelector(".count");
          if (count && typeof data.count === "number") count.textContent = String(data.count);
          button.classList.add("done");
        }
      } catch (_) {
        form.submit();
      }
    });
  });
}

function setupSelectAll() {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    document.querySelectorAll("input[name=comment_ids]").forEach((box) => { box.checked = all.checked; });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupCounter();
  setupReplies();
  setupReactions();
  setupSelectAll();
});
