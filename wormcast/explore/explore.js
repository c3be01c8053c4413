// wormcast explorer: builds the controls from /api/presets, asks /api/run for each change and redraws the
// sections with wormcast.draw (interactive.js). Requests go to this page's own origin only (the CSP's
// connect-src 'self'); answers are JSON; HTML pieces in them were escaped by the server.
(function () {
  "use strict";
  var state = { presets: [], preset: null, values: {}, asked: 0, drawn: 0, timer: null };
  var $ = function (id) { return document.getElementById(id); };

  function status(text, busy) {
    $("wx-status").textContent = text;
    document.body.setAttribute("data-busy", busy ? "1" : "0");
  }

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) { throw new Error(j.error || r.statusText); } return j; });
    });
  }

  function control(c) {
    var row = document.createElement("label"), input;
    row.className = "wx-control";
    row.appendChild(document.createTextNode(c.label + (c.unit ? " (" + c.unit + ")" : "") + " "));
    if (c.kind === "choice") {
      input = document.createElement("select");
      c.choices.forEach(function (v) {
        var o = document.createElement("option"); o.value = v; o.textContent = v; input.appendChild(o);
      });
      input.value = c.default;
    } else {
      input = document.createElement("input");
      input.type = "number"; input.min = c.min; input.max = c.max;
      input.step = c.step === null ? "any" : c.step; input.value = c.default;
    }
    input.setAttribute("data-key", c.key);
    input.addEventListener("change", function () {
      var v = c.kind === "choice" ? input.value : Number(input.value);
      if (c.kind !== "choice" && (!isFinite(v) || v < c.min || v > c.max)) {
        status(c.label + ": give a value between " + c.min + " and " + c.max, false);
        return;
      }
      var now = c.key in state.values ? state.values[c.key] : c.default;
      if (v === now) { return; }  // a change event without a new value (e.g. on blur): nothing to run
      state.values[c.key] = v;
      schedule();
    });
    row.appendChild(input);
    return row;
  }

  function pickPreset(name) {
    state.preset = state.presets.filter(function (p) { return p.name === name; })[0];
    state.values = {};
    var box = $("wx-controls");
    box.textContent = "";
    state.preset.controls.forEach(function (c) { box.appendChild(control(c)); });
    $("wx-description").textContent = state.preset.description;
    schedule();
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(run, 150);  // several quick changes make one run
  }

  function run() {
    var asked = ++state.asked, t0 = performance.now();
    status("running " + state.preset.name + "\u2026", true);
    post("api/run", { preset: state.preset.name, values: state.values, seed: Number($("wx-seed").value) || 0 })
      .then(function (view) {
        if (asked !== state.asked) { return; }  // a newer request is on its way
        Object.keys(view.html).forEach(function (id) { $(id).innerHTML = view.html[id]; });
        $("wx-exposure").innerHTML = view.exposure_html;
        var dl = $("wx-headline"); dl.textContent = "";
        view.headline.forEach(function (kv) {
          var dt = document.createElement("dt"), dd = document.createElement("dd");
          dt.textContent = kv[0]; dd.textContent = kv[1]; dl.appendChild(dt); dl.appendChild(dd);
        });
        return window.wormcast.draw(view.sections).then(function () {
          state.drawn += 1;
          document.body.setAttribute("data-drawn", String(state.drawn));
          document.body.setAttribute("data-overrides", JSON.stringify(view.overrides));
          status("simulated in " + view.seconds.toFixed(1) + " s, drawn in " +
            ((performance.now() - t0) / 1000).toFixed(1) + " s (seed " + view.seed + ")", false);
        });
      })
      .catch(function (err) { if (asked === state.asked) { status("error: " + err.message, false); } });
  }

  fetch("api/presets").then(function (r) { return r.json(); }).then(function (doc) {
    state.presets = doc.presets;
    var sel = $("wx-preset");
    doc.presets.forEach(function (p) {
      var o = document.createElement("option"); o.value = p.name; o.textContent = p.name; sel.appendChild(o);
    });
    sel.value = doc.initial;
    sel.addEventListener("change", function () { pickPreset(sel.value); });
    $("wx-seed").addEventListener("change", schedule);
    pickPreset(doc.initial);
  }).catch(function (err) { status("error: " + err.message, false); });
})();
