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
