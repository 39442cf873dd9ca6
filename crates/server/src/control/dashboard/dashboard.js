// The dashboard of `collab serve`: reads and changes the server through its control
// plane (/_collab) only, with the admin token the tab holds in its session storage.
// Everything shown is set as text (never as HTML): names and bodies are the callers'.
"use strict";

(() => {
  const API = "/_collab";
  const TOKEN_KEY = "collab-admin-token";
  const POLL_MS = 700;
  const REFRESH_MS = 5000;
  const JOURNAL_ROWS = 200;

  let token = null;
  let lastSeq = null;
  let entries = [];
  let lastRefresh = 0;
  let loop = 0;

  const $ = (id) => document.getElementById(id);

  class Refused extends Error {}

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children) {
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function cell(text, props) {
    return el("td", props, text === undefined || text === null || text === "" ? "—" : text);
  }

  function localTime(ms) {
    if (typeof ms !== "number") return "—";
    const when = new Date(ms);
    return el("time", { dateTime: when.toISOString() }, when.toLocaleString());
  }

  function clockTime(ms) {
    const when = new Date(ms);
    const millis = String(when.getMilliseconds()).padStart(3, "0");
    return el("time", { dateTime: when.toISOString() },
      when.toLocaleTimeString([], { hour12: false }) + "." + millis);
  }

  // Enough to tell tokens apart at a glance, not enough to use one.
  function masked(secret) {
    if (!secret) return "(none)";
    return secret.length > 8 ? secret.slice(0, 3) + "••••••" : "••••••";
  }

  // How current the page is: rewritten on every poll, so not announced.
  function say(text) {
    $("status").textContent = text;
  }

  // What an action did, or why it failed: announced to screen readers, and kept until
  // the next action.
  function notify(text) {
    $("notice").textContent = text;
  }

  // The token from a link's fragment (`#token=...`, never sent to a server) goes to
  // the tab's session storage and out of the address bar.
  function takeToken() {
    const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromLink) {
      sessionStorage.setItem(TOKEN_KEY, fromLink);
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function call(method, route, body) {
    const init = { method, cache: "no-store", headers: { Authorization: "Bearer " + token } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const answer = await fetch(API + route, init);
    const text = await answer.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (_) {
      json = null;
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new Refused(json && json.error ? json.error : "the token was refused");
    }
    if (!answer.ok) {
      const where = json && json.path && !String(json.error).includes(json.path) ? json.path + ": " : "";
      throw new Error(where + (json && json.error ? json.error : method + " " + route + ": " + answer.status));
    }
    return json;
  }

  function renderUsers(users) {
    const rows = users.map((user) =>
      el("tr", {}, el("th", { scope: "row" }, user.name), cell(masked(user.token), { className: "mono" })));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 2 }, "No users.")));
    $("users").tBodies[0].replaceChildren(...rows);
  }

  function renderDatasets(datasets) {
    const table = $("datasets");
    for (const body of [...table.tBodies]) body.remove();
    if (!datasets.length) {
      table.append(el("tbody", {}, el("tr", {}, el("td", { colSpan: 8 }, "No datasets."))));
    }
    for (const dataset of datasets) {
      const configs = dataset.configs && dataset.configs.length ? dataset.configs : [null];
      const group = el("tbody");
      configs.forEach((config, i) => {
        const row = el("tr");
        if (i === 0) {
          row.append(
            el("th", { scope: "rowgroup", rowSpan: configs.length, className: "mono" }, dataset.id),
            el("td", { rowSpan: configs.length }, dataset.owner));
        }
        if (config) {
          row.append(cell(config.id, { className: "mono" }), cell(config.accessType || "WRITE"),
            cell((config.users || []).join(", ")), cell((config.teams || []).join(", ")),
            cell(localTime(config.createdAt)), cell(localTime(config.lastModifiedAt)));
        } else {
          row.append(el("td", { colSpan: 6 }, "Not shared: no access config."));
        }
        group.append(row);
      });
      table.append(group);
    }
  }

  function effect(rule) {
    const parts = [];
    if (rule.status != null) parts.push(String(rule.status) + (rule.code ? " " + rule.code : ""));
    if (rule.retryAfter != null) parts.push("Retry-After " + rule.retryAfter + " s");
    if (rule.applied) parts.push("applied first");
    if (rule.body != null) parts.push("body " + JSON.stringify(rule.body));
    if (rule.headers) {
      for (const [name, value] of Object.entries(rule.headers)) parts.push(name + ": " + value);
    }
    if (rule.delayMs != null) parts.push("delay " + rule.delayMs + " ms");
    if (rule.delay && rule.delay.uniform) parts.push("delay " + rule.delay.uniform.join("–") + " ms");
    if (rule.delay && rule.delay.lognormal) {
      parts.push("delay ~" + rule.delay.lognormal.medianMs + " ms (σ " + rule.delay.lognormal.sigma + ")");
    }
    if (rule.drop) parts.push("drop: " + rule.drop);
    if (rule.dribble) parts.push("dribble " + rule.dribble.chunks + " pieces over " + rule.dribble.overMs + " ms");
    if (rule.probability != null && rule.probability !== 1) {
      parts.push("probability " + rule.probability + " (seed " + (rule.seed || 0) + ")");
    }
    return parts.join(", ");
  }

  function renderFaults(rules) {
    const rows = rules.map((rule) => {
      const scope = [rule.path && "path " + rule.path, rule.dataset && "dataset " + rule.dataset,
        rule.user && "user " + rule.user]
        .filter(Boolean).join(", ") || "every call";
      const remove = el("button", { type: "button", textContent: "Remove" });
      remove.setAttribute("aria-label", "Remove fault rule " + rule.id);
      remove.addEventListener("click", () => act(async () => {
        await call("DELETE", "/faults/" + rule.id);
        return "Removed fault rule " + rule.id + ".";
      }));
      return el("tr", {}, el("th", { scope: "row" }, String(rule.id)), cell(rule.operation || "(by path)"), cell(scope),
        cell(effect(rule)), cell(rule.after || 0), cell(rule.times == null ? "no limit" : rule.times),
        cell(rule.matched, { className: "num" }), cell(rule.fired, { className: "num" }), el("td", {}, remove));
    });
    if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 9 }, "No fault rule is armed.")));
    $("faults").tBodies[0].replaceChildren(...rows);
  }

  function showBody(entry) {
    const body = entry.body;
    $("body-title").textContent = "Body of request #" + entry.seq + ": " + entry.method + " " + entry.path +
      (entry.bodyTruncated ? " (cut: over 64 KiB)" : "");
    $("body-text").textContent = body === null || body === undefined ? "(no body)"
      : typeof body === "string" ? body : JSON.stringify(body, null, 2);
    $("body-view").hidden = false;
  }

  function renderJournal() {
    const rows = entries.slice().reverse().map((entry) => {
      const open = el("button", { type: "button", className: "link", textContent: String(entry.seq) });
      open.setAttribute("aria-label", "Show the body of request " + entry.seq);
      open.addEventListener("click", (event) => {
        event.stopPropagation();
        showBody(entry);
      });
      const failed = entry.status === 0 || entry.status >= 400;
      const row = el("tr", { className: entry.fault != null ? "faulted" : "" },
        el("th", { scope: "row" }, open), cell(clockTime(entry.time)), cell(entry.method),
        cell(entry.path, { className: "mono path" }), cell(entry.user),
        el("td", { className: failed ? "num failed" : "num", title: entry.reason || "" },
          entry.status === 0 ? "no answer" : String(entry.status),
          ...(entry.reason ? [el("span", { className: "reason" }, entry.reason)] : [])),
        cell(entry.generation), cell(typeof entry.latencyMs === "number" ? entry.latencyMs.toFixed(2) : null,
          { className: "num" }),
        cell(entry.fault != null ? "⚡ rule " + entry.fault : ""));
      row.addEventListener("click", () => showBody(entry));
      return row;
    });
    if (!rows.length) rows.push(el("tr", {}, el("td", { colSpan: 9 }, "No request yet.")));
    $("journal").tBodies[0].replaceChildren(...rows);
  }

  function forgetJournal() {
    entries = [];
    $("body-view").hidden = true;
    renderJournal();
  }

  async function refresh() {
    const [state, rules, newest] = await Promise.all([
      call("GET", "/state"), call("GET", "/faults"), call("GET", "/requests?limit=1")]);
    // A restarted server numbers its journal from the start again: read it afresh.
    if (lastSeq !== null && newest.length && newest[0].seq < lastSeq) {
      lastSeq = null;
      forgetJournal();
    }
    renderUsers(state.users || []);
    renderDatasets(state.datasets || []);
    renderFaults(rules || []);
    lastRefresh = Date.now();
  }

  async function pollJournal() {
    const query = lastSeq === null ? "?limit=" + JOURNAL_ROWS : "?since=" + lastSeq;
    const fresh = await call("GET", "/requests" + query);
    if (fresh.length) {
      entries = entries.concat(fresh).slice(-JOURNAL_ROWS);
      lastSeq = fresh[fresh.length - 1].seq;
      renderJournal();
    }
    return fresh.length;
  }

  async function tick(mine) {
    if (mine !== loop) return;
    try {
      const arrived = await pollJournal();
      if (arrived || Date.now() - lastRefresh > REFRESH_MS) await refresh();
      say("Live: updated " + new Date().toLocaleTimeString([], { hour12: false }) + ".");
    } catch (error) {
      if (error instanceof Refused) return signOut(error.message);
      say("Cannot update (" + error.message + "); trying again.");
    }
    if (mine === loop) setTimeout(() => tick(mine), POLL_MS);
  }

  // Runs a change, then shows the state after it and what `action` says it did.
  async function act(action) {
    try {
      const done = await action();
      await refresh();
      notify(done);
    } catch (error) {
      if (error instanceof Refused) return signOut(error.message);
      notify("Failed: " + error.message);
    }
  }

  function signOut(reason) {
    loop += 1;
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("board").hidden = true;
    $("actions").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-reason").textContent = reason || "";
    say("No admin token: the dashboard needs one.");
    notify("");
  }

  async function start() {
    loop += 1;
    const mine = loop;
    token = takeToken();
    let health = null;
    try {
      health = await (await fetch(API + "/health", { cache: "no-store" })).json();
    } catch (error) {
      say("Cannot reach the server: " + error.message);
    }
    if (health && health.controlPlane === "closed") {
      return signOut("This server's control plane is closed: start collab serve with --admin-token TOKEN, or with --demo.");
    }
    if (!token) return signOut("");
    try {
      await refresh();
    } catch (error) {
      if (error instanceof Refused) return signOut("That token was refused (" + error.message + ").");
      say("Failed: " + error.message);
    }
    $("sign-in").hidden = true;
    $("board").hidden = false;
    $("actions").hidden = false;
    lastSeq = null;
    forgetJournal();
    tick(mine);
  }

  function faultRule(form) {
    const rule = {};
    if (form.operation.value) rule.operation = form.operation.value;
    if (form.path.value.trim()) rule.path = form.path.value.trim();
    const numbers = ["retryAfter", "delayMs", "times"];
    if (form.dataset.value.trim()) rule.dataset = form.dataset.value.trim().toLowerCase();
    for (const name of numbers) {
      if (form[name].value !== "") rule[name] = Number(form[name].value);
    }
    // A drop sends no answer: the status field's default is left out with it.
    if (form.drop.value) rule.drop = form.drop.value;
    else if (form.status.value !== "") rule.status = Number(form.status.value);
    if (form.body.value !== "") rule.body = form.body.value;
    if (form.contentType.value.trim()) rule.headers = { "content-type": form.contentType.value.trim() };
    if (form.dribbleChunks.value !== "") {
      rule.dribble = { chunks: Number(form.dribbleChunks.value), overMs: Number(form.dribbleOverMs.value || 0) };
    }
    if (form.applied.checked) rule.applied = true;
    return rule;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
      $("token-input").value = "";
      start();
    });
    $("sign-out").addEventListener("click", () => signOut(""));
    $("reset").addEventListener("click", () => act(async () => {
      await call("POST", "/reset");
      forgetJournal();
      return "Reset: the start state is back, the journal is empty.";
    }));
    $("clear-journal").addEventListener("click", () => act(async () => {
      await call("DELETE", "/requests");
      forgetJournal();
      return "The journal is empty.";
    }));
    $("fault-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      $("fault-error").textContent = "";
      act(async () => {
        try {
          const armed = await call("POST", "/faults", faultRule(form));
          return "Armed fault rule " + armed.id + ".";
        } catch (error) {
          if (!(error instanceof Refused)) $("fault-error").textContent = error.message;
          throw error;
        }
      });
    });
    window.addEventListener("hashchange", start);
    start();
  });
})();
