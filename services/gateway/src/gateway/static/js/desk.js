/* The moderation desk: keyboard actions, in-place decisions, and a queue that keeps itself current.
   Every form also works without this script (plain posts that come back to the queue). */
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  if (!desk) { return; }
  var list = document.getElementById("cards");
  var statusLine = document.getElementById("desk-status");
  var empty = document.getElementById("queue-empty");
  var bulk = document.getElementById("bulk");
  var help = document.getElementById("keys-help");
  var helpToggle = document.getElementById("keys-toggle");
  var feedUrl = desk.getAttribute("data-feed");
  var pollEvery = parseInt(desk.getAttribute("data-poll"), 10) || 3000;
  var decided = {};      // ids this moderator acted on: never re-added by a poll in flight
  var mode = null;       // "reject" | "ban" | "bulk-reject" while waiting for a number
  var current = null;

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.hidden = !text;
    statusLine.classList.toggle("error", !!isError);
  }

  function cards() {
    return Array.prototype.slice.call(list.querySelectorAll(".card:not(.gone)"));
  }

  function workable() {
    return cards().filter(function (c) { return !c.classList.contains("taken"); });
  }

  function claimFor(card) {
    if (card.getAttribute("data-claimed") || card.classList.contains("taken")) { return; }
    card.setAttribute("data-claimed", "1");
    var form = card.querySelector(".act-approve");
    var data = new FormData();
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    data.append("comment_ids", card.getAttribute("data-id"));
    send("/moderation/claim", data).then(function (answer) {
      if (answer && answer.unavailable && answer.unavailable.length) { markTaken(card, ""); }
    });
  }

  function focusCard(card) {
    if (current) { current.classList.remove("current", "choosing-reject", "choosing-ban"); }
    mode = null;
    current = card || null;
    if (!current) { empty.hidden = cards().length > 0; return; }
    current.classList.add("current");
    current.focus({ preventScroll: true });
    current.scrollIntoView({ block: "nearest" });
    claimFor(current);
  }

  function move(step) {
    var all = cards();
    if (!all.length) { focusCard(null); return; }
    var at = all.indexOf(current);
    var next = at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + step));
    focusCard(all[next]);
  }

  function send(url, data) {
    return fetch(url, {
      // forms are posted urlencoded, as a browser posts them without this script
      method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return { ok: false, message: "操作失败（" + r.status + "）" }; });
    }).catch(function () { return { ok: false, message: "网络异常，请重试" }; });
  }

  function removeCard(card) {
    var all = cards();
    var at = all.indexOf(card);
    decided[card.getAttribute("data-id")] = true;
    card.remove();
    if (card === current) {
      current = null;
      var rest = cards();
      focusCard(rest[Math.min(at, rest.length - 1)] || null);
    }
    empty.hidden = cards().length > 0;
    countSelected();
  }

  function markTaken(card, name) {
    card.classList.add("taken");
    card.querySelector("[data-claim]").textContent = (name || "其他审核员") + " 处理中";
    if (card === current) { move(1); }
  }

  function apply(results, cardsById) {
    (results || []).forEach(function (r) {
      var card = cardsById[String(r.comment_id)];
      if (!card) { return; }
      if (r.outcome === "claimed_by_other") { markTaken(card, ""); } else { removeCard(card); }
    });
  }

  function act(form, extra, card) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    var submitter = extra && extra.decision;
    if (!submitter && form.querySelector("button[name=decision]")) {
      data.set("decision", form.querySelector("button[name=decision]").value);
    }
    var byId = {};
    data.getAll("comment_ids").forEach(function (id) {
      var c = document.getElementById("card-" + id);
      if (c) { byId[id] = c; decided[id] = true; }
    });
    return send(form.action, data).then(function (answer) {
      say(answer.message || "", !answer.ok);
      if (!answer.ok) { return; }
      if (answer.results) { apply(answer.results, byId); }
      else if (card) { removeCard(card); }
    });
  }

  function approve(card) { act(card.querySelector(".act-approve"), { decision: "approve" }, card); }

  function reject(card, choice) {
    var form = card.querySelector(".act-reject");
    var select = form.querySelector("select[name=reason]");
    if (choice) {
      var option = select.options[choice - 1];
      if (!option) { return; }
      select.value = option.value;
    }
    act(form, { decision: "reject", reason: select.value }, card);
  }

  function ban(card, choice) {
    var form = card.querySelector(".act-ban");
    form.querySelector("select[name=choice]").value = String(choice);
    act(form, {}, card);
  }

  function skip(card) {
    var form = card.querySelector(".act-skip");
    decided[card.getAttribute("data-id")] = false;
    send(form.action, new FormData(form)).then(function (answer) { say(answer.message || "", !answer.ok); });
    card.removeAttribute("data-claimed");
    card.classList.add("skipped");
    move(1);
  }

  function selected() {
    return Array.prototype.slice.call(list.querySelectorAll("input[name=comment_ids][form=bulk]:checked"));
  }

  function countSelected() {
    document.getElementById("selected-count").textContent = "已选 " + selected().length + " 条";
    cards().forEach(function (c) {
      c.classList.toggle("selected", c.querySelector(".pick input").checked);
    });
  }

  function bulkAct(decision, reason) {
    var boxes = selected();
    if (!boxes.length) { say("请先用 X 选中评论", true); return; }
    var data = new FormData(bulk);
    data.set("decision", decision);
    if (reason) { data.set("reason", reason); }
    if (decision === "reject" && !data.get("reason")) { say("驳回需要填写原因", true); return; }
    var byId = {};
    boxes.forEach(function (b) { data.append("comment_ids", b.value); byId[b.value] = b.closest(".card"); });
    send(bulk.action, data).then(function (answer) {
      say(answer.message || "", !answer.ok);
      if (answer.ok) { apply(answer.results, byId); }
    });
  }

  function typing(target) {
    return target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && target.type !== "checkbox";
  }

  function onNumber(n) {
    var card = current;
    if (mode === "reject" && card && n >= 1 && n <= 5) { reject(card, n); }
    else if (mode === "ban" && card && n >= 1 && n <= 3) { ban(card, n); }
    else if (mode === "bulk-reject" && n >= 1 && n <= 5) {
      var first = list.querySelector(".act-reject select");
      if (first && first.options[n - 1]) { bulkAct("reject", first.options[n - 1].value); }
    }
    mode = null;
    if (card) { card.classList.remove("choosing-reject", "choosing-ban"); }
  }

  function startMode(name, card) {
    mode = name;
    if (card) { card.classList.add(name === "ban" ? "choosing-ban" : "choosing-reject"); }
    say(name === "ban" ? "封禁时长：1 一天 · 2 七天 · 3 永久（Esc 取消）"
                       : "驳回原因：1 垃圾广告 · 2 人身攻击 · 3 离题灌水 · 4 违法违规 · 5 其他（Esc 取消）");
  }

  var keys = {
    "j": function () { move(1); }, "arrowdown": function () { move(1); },
    "k": function () { move(-1); }, "arrowup": function () { move(-1); },
    "a": function (e, card) { if (e.shiftKey) { bulkAct("approve"); } else if (card) { approve(card); } },
    "r": function (e, card) { if (e.shiftKey) { startMode("bulk-reject", null); } else if (card) { startMode("reject", card); } },
    "b": function (e, card) { if (card) { startMode("ban", card); } },
    "s": function (e, card) { if (card) { skip(card); } },
    "x": function (e, card) {
      if (!card) { return; }
      var box = card.querySelector(".pick input");
      box.checked = !box.checked;
      countSelected();
    },
    "?": function () { toggleHelp(); }
  };

  function toggleHelp() {
    help.hidden = !help.hidden;
    helpToggle.setAttribute("aria-expanded", String(!help.hidden));
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "Escape") {
      mode = null;
      if (current) { current.classList.remove("choosing-reject", "choosing-ban"); }
      if (typing(e.target)) { e.target.blur(); }
      say("");
      return;
    }
    if (typing(e.target)) { return; }
    if (mode && /^[0-9]$/.test(e.key)) { e.preventDefault(); onNumber(parseInt(e.key, 10)); return; }
    var handler = keys[e.key.toLowerCase()] || keys[e.key];
    if (!handler) { return; }
    e.preventDefault();
    if (!current || !current.isConnected) { move(0); }
    mode = null;
    handler(e, current);
  });

  helpToggle.addEventListener("click", toggleHelp);
  list.addEventListener("change", function (e) { if (e.target.matches(".pick input")) { countSelected(); } });
  list.addEventListener("click", function (e) {
    var card = e.target.closest(".card");
    if (card && card !== current) { focusCard(card); }
  });
  list.addEventListener("submit", function (e) {
    var form = e.target;
    var card = form.closest(".card");
    if (!card) { return; }
    e.preventDefault();
    if (form.classList.contains("act-skip")) { skip(card); return; }
    act(form, e.submitter && e.submitter.name ? { decision: e.submitter.value } : {}, card);
  });
  bulk.addEventListener("submit", function (e) {
    e.preventDefault();
    bulkAct(e.submitter ? e.submitter.value : "approve");
  });

  function addCard(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;  // rendered and escaped by the server's templates
    var card = holder.content.firstElementChild;
    if (card) { list.appendChild(card); }
    return card;
  }

  function refresh(feed) {
    var seen = {};
    var added = 0;
    (feed.items || []).forEach(function (item) {
      var id = String(item.id);
      seen[id] = true;
      var card = document.getElementById("card-" + id);
      if (!card) {
        if (decided[id]) { return; }
        if (addCard(item.html)) { added += 1; }
        return;
      }
      card.querySelector(".wait").textContent = "等待 " + item.wait;
      if (item.claim === "other") { if (!card.classList.contains("taken")) { markTaken(card, item.claim_name); } }
      else if (card.classList.contains("taken")) {
        card.classList.remove("taken");
        card.querySelector("[data-claim]").textContent = item.claim === "mine" ? "我已认领" : "";
      }
    });
    var whole = (feed.items || []).length >= feed.total;  // the feed holds the entire queue
    cards().forEach(function (card) {
      var id = card.getAttribute("data-id");
      if (whole && !seen[id] && !decided[id]) {
        card.classList.add("gone");
        card.querySelector("[data-claim]").textContent = "已由其他审核员处理";
        if (card === current) { move(1); }
        window.setTimeout(function () { card.remove(); empty.hidden = cards().length > 0; }, 1500);
      }
    });
    document.getElementById("queue-total").textContent = feed.total;
    document.getElementById("oldest-wait").textContent = feed.oldest_text;
    if (feed.pending !== undefined && feed.pending !== null) {
      document.getElementById("pending-count").textContent = feed.pending;
    }
    if (added) { say("新到 " + added + " 条待审评论"); }
    empty.hidden = cards().length > 0;
    if (!current && cards().length) { focusCard(workable()[0] || null); }
  }

  function poll() {
    fetch(feedUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (feed) { if (feed && feed.ok) { refresh(feed); } })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { window.setTimeout(poll, pollEvery); });
  }

  focusCard(workable()[0] || null);
  window.setTimeout(poll, pollEvery);
}());
