// Progressive enhancement only: every page works without this script.
// Live tables: a table with data-live="/api/v1/.../stream" refreshes its rows when the server signals a change.
(function () {
  "use strict";
  function text(v) { return v === null || v === undefined ? "" : String(v); }
  function cell(tr, value, code) {
    var td = document.createElement("td");
    if (code) { var c = document.createElement("code"); c.textContent = value; td.appendChild(c); } else { td.textContent = value; }
    tr.appendChild(td);
  }
  function when(us) { return new Date(us / 1000).toISOString().replace("T", " ").slice(0, 19); }
  function refreshAudit(table, status) {
    var params = new URLSearchParams(window.location.search);
    params.delete("before");
    params.set("limit", "200");
    fetch("/api/v1/audit?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (events) {
        var body = table.tBodies[0];
        while (body.firstChild) { body.removeChild(body.firstChild); }
        events.forEach(function (e) {
          var tr = document.createElement("tr");
          cell(tr, text(e.seq)); cell(tr, when(e.occurred_at_us)); cell(tr, e.actor); cell(tr, e.action);
          cell(tr, e.object_type + (e.object_id ? " " + e.object_id : "")); cell(tr, e.source);
          cell(tr, JSON.stringify(e.details), true);
          body.appendChild(tr);
        });
        status.textContent = "Updated " + new Date().toLocaleTimeString();
      })
      .catch(function () { status.textContent = "Live updates paused; reload the page."; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("audit-table");
    var status = document.getElementById("audit-live");
    if (!table || !window.EventSource) { return; }
    var source = new EventSource(table.getAttribute("data-live"));
    source.addEventListener("audit", function () { refreshAudit(table, status); });
    source.addEventListener("resync", function () { refreshAudit(table, status); });
    // Ready only once the stream is open; refresh then, so nothing between page load and open is missed.
    source.onopen = function () {
      status.textContent = "Live";
      table.setAttribute("data-live-ready", "true");
      refreshAudit(table, status);
    };
  });
})();

// The program page's calling counts: refreshed from data-source whenever the stream says an attempt of
// the program was placed or closed.
(function () {
  "use strict";
  function fillRows(table, rows) {
    var body = table.tBodies[0];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      row.forEach(function (v) { var td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
      body.appendChild(tr);
    });
  }
  function fill(table, entries) {
    fillRows(table, Object.keys(entries).sort().map(function (k) { return [k, String(entries[k])]; }));
  }
  function refresh(box, status) {
    fetch(box.getAttribute("data-source"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (c) {
        document.getElementById("calls-summary").textContent = c.attempts === 0 ? "No call placed yet." :
          c.attempts + " attempts (" + c.in_flight + " in progress), " + c.contacts + " contacts, " +
          c.completes + " completes; " + c.entries_done + " people done.";
        fill(document.getElementById("calls-by-disposition"), c.by_disposition);
        fill(document.getElementById("calls-by-vendor"), c.by_vendor);
        // Shown once the page has any (a reload brings the table when the first custom code is recorded).
        var custom = document.getElementById("calls-by-custom-disposition");
        if (custom) {
          fillRows(custom, c.by_custom_disposition.map(function (x) { return [x.code, x.base, String(x.attempts)]; }));
        }
        status.textContent = "Updated " + new Date().toLocaleTimeString();
      })
      .catch(function () { status.textContent = "Live updates paused; reload the page."; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("calling");
    var status = document.getElementById("calls-live");
    if (!box || !status || !window.EventSource) { return; }
    var source = new EventSource(box.getAttribute("data-live"));
    var pending = false;
    // Many attempts a second on a busy floor: at most one refresh in flight.
    function soon() {
      if (pending) { return; }
      pending = true;
      setTimeout(function () { pending = false; refresh(box, status); }, 250);
    }
    source.addEventListener("calls", soon);
    source.addEventListener("resync", soon);
    source.onopen = function () { box.setAttribute("data-live-ready", "true"); refresh(box, status); };
  });
})();

// The universe builder's live count: as the form changes, the same form is posted asking for JSON,
// and the count and the filter shown are replaced. Changing a row's field re-renders the page instead
// (the row's inputs differ by field). Without this script the Count button does both.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("universe-builder");
    var out = document.getElementById("universe-count");
    var json = document.getElementById("universe-filter-json");
    if (!form || !out || !window.fetch || !window.FormData) { return; }
    var timer = null;
    var sent = 0;
    function refresh() {
      var body = new URLSearchParams(new FormData(form));
      body.set("action", "count");
      var mine = ++sent;
      fetch(form.getAttribute("action"), { method: "POST", credentials: "same-origin", body: body,
          headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (c) {
          if (mine !== sent) { return; } // a later change has its own answer coming
          out.textContent = c.error ? "Not counted: " + c.error :
            c.people + " people in " + c.households + " households match.";
          if (json && c.filter) { json.textContent = c.filter; }
          form.setAttribute("data-live-ready", "true");
        })
        .catch(function () { out.textContent = "Live count paused; press Count."; });
    }
    function soon() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
    // The name to save under, and the sample's size, seed and strata, change no count.
    function counts(el) { return el.name !== "name" && !el.hasAttribute("data-no-count"); }
    form.addEventListener("input", function (e) { if (counts(e.target)) { soon(); } });
    form.addEventListener("change", function (e) {
      if (e.target.hasAttribute("data-reshape")) {
        // A row just given another field has empty inputs: re-render it without calling that an error.
        var reshape = document.createElement("input");
        reshape.type = "hidden"; reshape.name = "action"; reshape.value = "reshape";
        form.appendChild(reshape);
        form.submit();
        return;
      }
      if (counts(e.target)) { soon(); }
    });
  });
})();

// The agent desk: the stream says when the screen changed (a call connected, the person hung up, the
// program stopped); the page reloads to show it — unless the agent is half-way through typing an answer,
// which a reload would lose: then it says so and waits for them.
(function () {
  "use strict";
  function typing(desk) {
    var inputs = desk.querySelectorAll("#question textarea, #question input, #finish textarea");
    for (var i = 0; i < inputs.length; i++) {
      var t = inputs[i].type;
      if (t === "hidden") { continue; }
      if (t === "checkbox" || t === "radio" ? inputs[i].checked : inputs[i].value !== "") { return true; }
    }
    return false;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var desk = document.getElementById("desk");
    var status = document.getElementById("desk-live");
    if (!desk || !status || !window.EventSource) { return; }
    // The time in the current state (the wrap-up timer) counts on, once a second.
    var timer = document.getElementById("desk-timer");
    if (timer) {
      var start = Date.now() - 1000 * parseInt(timer.getAttribute("data-elapsed") || "0", 10);
      setInterval(function () {
        var s = Math.max(0, Math.floor((Date.now() - start) / 1000));
        timer.textContent = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
      }, 1000);
    }
    var source = new EventSource(desk.getAttribute("data-live"));
    source.onopen = function () { desk.setAttribute("data-live-ready", "true"); };
    source.addEventListener("desk", function (e) {
      if (e.data === desk.getAttribute("data-version")) { return; }
      if (typing(desk)) {
        status.textContent = "The call has changed: record your answer, or reload the page to see it.";
        return;
      }
      window.location.reload();
    });
  });
})();

// Live pages (the wallboard, oversight): an element with data-live-reload="/…/stream" reloads the page
// when the stream says something changed, at most once a second (a busy floor changes many times a
// second). data-live-status names the element that says whether updates are live.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-live-reload]");
    if (!box || !window.EventSource) { return; }
    var status = document.getElementById(box.getAttribute("data-live-status"));
    var source = new EventSource(box.getAttribute("data-live-reload"));
    var loadedAt = Date.now();
    var pending = false;
    // data-live-paused="true" holds the reloads (the browser tests set it before an accessibility scan).
    function paused() { return box.getAttribute("data-live-paused") === "true"; }
    function reload() {
      if (pending || paused()) { return; }
      pending = true;
      setTimeout(function () {
        pending = false;
        if (!paused()) { window.location.reload(); }
      }, Math.max(0, 1000 - (Date.now() - loadedAt)));
    }
    source.onopen = function () { if (status) { status.textContent = "Live"; } box.setAttribute("data-live-ready", "true"); };
    source.addEventListener("floor", reload);
    source.addEventListener("calls", reload);
    source.addEventListener("resync", reload);
    source.onerror = function () { if (status) { status.textContent = "Live updates paused; reload the page."; } };
  });
})();

// The script editor's preview follows the text: a pause in typing posts the form as a preview (nothing
// is saved) and puts the response's preview section in place of this page's. Without this script the
// Preview and Walk buttons do the same.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-live-preview]");
    var body = document.getElementById("body");
    if (!form || !body || !window.fetch || !window.DOMParser) { return; }
    var id = form.getAttribute("data-live-preview");
    var timer = null, sent = 0;
    function refresh() {
      var data = new URLSearchParams(new FormData(form));
      data.set("action", "preview");
      var n = ++sent;
      fetch(form.getAttribute("action"), {
        method: "POST", credentials: "same-origin", body: data,
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (n !== sent) { return; } // a later edit is on its way
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
          var old = document.getElementById(id);
          if (!fresh) { return; }
          if (old) { old.parentNode.replaceChild(document.importNode(fresh, true), old); }
          else { form.parentNode.insertBefore(document.importNode(fresh, true), form.nextSibling); }
          form.setAttribute("data-preview-ready", String(n));
        })
        .catch(function () { /* the buttons still work */ });
    }
    body.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(refresh, 500);
    });
  });
})();
