(function () {
  "use strict";
  // Findings come from a JSON data block; every value is written with textContent, never as HTML.
  var data = JSON.parse(document.getElementById("findings-data").textContent);
  var SEV = data.severities;          // index -> label, info first
  var C = data.columns;               // column name -> index in a row
  var rows = data.rows;
  var PAGE = data.page_size;
  var n = rows.length, i;
  var hay = new Array(n), pathLc = new Array(n);
  for (i = 0; i < n; i++) {
    var r = rows[i];
    pathLc[i] = String(r[C.path]).toLowerCase();
    hay[i] = [r[C.rule], r[C.title], r[C.message], r[C.path], r[C["package"]], r[C.identifiers], r[C.fix],
              r[C.sources], r[C.fingerprint]].join("\n").toLowerCase();
  }
  var $ = function (id) { return document.getElementById(id); };
  var tbody = document.querySelector("#findings tbody");
  var fSev = $("filter-severity"), fCat = $("filter-category"), fSrc = $("filter-source"),
      fState = $("filter-state"), fPath = $("filter-path"), fSearch = $("search"),
      count = $("row-count"), more = $("show-more");
  var state = { key: "severity", dir: -1, shown: PAGE, matched: [] };
  var STATE_RANK = { "new": 0, "pre-existing": 1, "suppressed": 2 };

  function fillSelect(sel, values) {
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v; o.textContent = v; sel.appendChild(o);
    });
  }
  function distinct(col, split) {
    var seen = Object.create(null), out = [];
    for (var k = 0; k < n; k++) {
      var vals = split ? String(rows[k][col]).split(", ") : [String(rows[k][col])];
      vals.forEach(function (v) { if (v && !seen[v]) { seen[v] = 1; out.push(v); } });
    }
    return out.sort();
  }
  fillSelect(fCat, distinct(C.category, false));
  fillSelect(fSrc, distinct(C.sources, true));

  var keyFns = {
    severity: function (r) { return r[C.severity]; },
    path: function (r) { return r[C.path]; },
    title: function (r) { return String(r[C.title]).toLowerCase(); },
    rule: function (r) { return String(r[C.rule]).toLowerCase(); },
    category: function (r) { return r[C.category]; },
    sources: function (r) { return r[C.sources]; },
    "package": function (r) { return String(r[C["package"]]).toLowerCase(); },
    state: function (r) { return r[C.state]; }
  };
  function compare(a, b) {
    var f = keyFns[state.key], ra = rows[a], rb = rows[b];
    var x = f(ra), y = f(rb);
    if (x < y) { return -state.dir; }
    if (x > y) { return state.dir; }
    if (state.key === "path" && ra[C.line] !== rb[C.line]) { return (ra[C.line] - rb[C.line]) * state.dir; }
    return STATE_RANK[ra[C.state]] - STATE_RANK[rb[C.state]] || rb[C.severity] - ra[C.severity] || a - b;
  }

  function apply() {
    var sev = fSev.value === "" ? -1 : SEV.indexOf(fSev.value), cat = fCat.value, src = fSrc.value,
        st = fState.value, p = fPath.value.trim().toLowerCase(), q = fSearch.value.trim().toLowerCase();
    var t0 = performance.now(), out = [];
    for (var k = 0; k < n; k++) {
      var r = rows[k];
      if (sev >= 0 && r[C.severity] !== sev) { continue; }
      if (cat && r[C.category] !== cat) { continue; }
      if (src && (", " + r[C.sources] + ", ").indexOf(", " + src + ", ") < 0) { continue; }
      if (st && r[C.state] !== st) { continue; }
      if (p && pathLc[k].indexOf(p) < 0) { continue; }
      if (q && hay[k].indexOf(q) < 0) { continue; }
      out.push(k);
    }
    out.sort(compare);
    state.matched = out;
    state.shown = PAGE;
    render();
    document.body.setAttribute("data-filter-ms", (performance.now() - t0).toFixed(1));
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function line(parent, tag, text, cls) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    el.textContent = text;
    parent.appendChild(el);
    return el;
  }
  var FOLD = 220;  // longer messages and fixes are folded to their start; the whole text is one click away
  function folded(parent, text, cls) {
    if (String(text).length <= FOLD) { return line(parent, "div", text, cls); }
    var d = line(parent, "details", "", "fold" + (cls ? " " + cls : "")), s = line(d, "summary", "");
    line(s, "span", String(text).slice(0, FOLD - 40) + "\u2026", "preview");
    line(d, "div", text);
    return d;
  }
  function buildRow(k) {
    var r = rows[k], tr = document.createElement("tr"), sev = SEV[r[C.severity]];
    tr.setAttribute("data-severity", sev);
    tr.setAttribute("data-category", r[C.category]);
    tr.setAttribute("data-fingerprint", r[C.fingerprint]);
    tr.className = r[C.state];
    var td = cell(tr, "");
    line(td, "span", sev, "sev sev-" + sev);
    cell(tr, r[C.path] + (r[C.line] ? ":" + r[C.line] : ""), "path");
    td = cell(tr, "");
    line(td, "strong", r[C.title], "title");
    if (r[C.message] && r[C.message] !== r[C.title]) { folded(td, r[C.message], "msg"); }
    if (r[C.snippet]) { line(td, "pre", r[C.snippet], "snippet"); }
    td = cell(tr, r[C.rule], "rule");
    if (r[C.identifiers]) { line(td, "div", r[C.identifiers], "small"); }
    cell(tr, r[C.category], "tag");
    cell(tr, r[C.sources], "tag");
    cell(tr, r[C["package"]]);
    folded(cell(tr, ""), r[C.fix], "");
    td = cell(tr, r[C.state], "state");
    if (r[C.suppression]) { line(td, "div", r[C.suppression], "small"); }
    return tr;
  }
  function render() {
    var m = state.matched, upto = Math.min(state.shown, m.length), frag = document.createDocumentFragment();
    for (var k = 0; k < upto; k++) { frag.appendChild(buildRow(m[k])); }
    tbody.textContent = "";
    tbody.appendChild(frag);
    count.setAttribute("data-count", String(m.length));
    count.setAttribute("data-shown", String(upto));
    count.textContent = m.length + " of " + n + " findings match" + (upto < m.length ? ", showing " + upto : "");
    more.hidden = upto >= m.length;
  }

  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(apply, 120); }
  [fSev, fCat, fSrc, fState].forEach(function (el) { el.addEventListener("change", apply); });
  [fPath, fSearch].forEach(function (el) { el.addEventListener("input", later); });
  more.addEventListener("click", function () {
    var m = state.matched, from = state.shown;
    state.shown = Math.min(from + PAGE, m.length);
    var frag = document.createDocumentFragment();
    for (var k = from; k < state.shown; k++) { frag.appendChild(buildRow(m[k])); }
    tbody.appendChild(frag);
    count.setAttribute("data-shown", String(state.shown));
    count.textContent = m.length + " of " + n + " findings match" +
      (state.shown < m.length ? ", showing " + state.shown : "");
    more.hidden = state.shown >= m.length;
  });
  Array.prototype.forEach.call(document.querySelectorAll("#findings th[data-sort]"), function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-sort");
      state.dir = state.key === key ? -state.dir : (key === "severity" ? -1 : 1);
      state.key = key;
      Array.prototype.forEach.call(document.querySelectorAll("#findings th[data-sort]"), function (o) {
        o.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      var keep = state.shown;
      state.matched.sort(compare);
      state.shown = keep;
      render();
    });
  });
  apply();
  document.body.setAttribute("data-ready", "1");
})();
