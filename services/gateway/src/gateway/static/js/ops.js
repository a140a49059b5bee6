// Ops dashboard: refresh the numbers every 5 seconds (the page is complete without it).
"use strict";
function pick(data, path) {
  return path.split(".").reduce((v, k) => (v == null ? undefined : v[k]), data);
}
async function refresh(root) {
  try {
    const response = await fetch(root.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    root.querySelectorAll("[data-key]").forEach((el) => {
      const value = pick(data, el.dataset.key);
      if (typeof value === "boolean") el.textContent = value ? "打开（故障）" : "关闭（正常）";
      else el.textContent = value == null ? "不可用" : String(value);
    });
    const stamp = document.getElementById("ops-updated");
    if (stamp) stamp.textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN");
  } catch (_) { /* keep the last numbers */ }
}
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("ops");
  if (!root) return;
  setInterval(() => refresh(root), 5000);
});
