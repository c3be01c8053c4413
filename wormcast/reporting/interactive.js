// wormcast interactive page: draws the sections described in the JSON of <script id="wc-data">.
// Line charts go through vega-embed with {ast: true} (Vega's CSP-safe expression interpreter: no eval);
// address maps are drawn here on a canvas, one frame per slider position. The colour of each pixel is
// decided in Python (addressmap.pixel_class); this script only looks it up.
(function () {
  "use strict";
  window.wormcast = { views: {}, maps: {}, ready: null, draw: draw };

  function hexRgb(h) {
    return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
  }

  function ipOfPixel(m, idx) {
    // Hilbert d from (row = y, col = x), the inverse of addressmap.hilbert_d2xy.
    var n = m.side, x = idx % n, y = Math.floor(idx / n), d = 0, rx, ry, s, t;
    for (s = n >> 1; s > 0; s >>= 1) {
      rx = (x & s) > 0 ? 1 : 0;
      ry = (y & s) > 0 ? 1 : 0;
      d += s * s * ((3 * rx) ^ ry);
      if (ry === 0) {
        if (rx === 1) { x = n - 1 - x; y = n - 1 - y; }
        t = x; x = y; y = t;
      }
    }
    var a = d * Math.pow(2, m.bits_per_pixel);
    return [a / 16777216 | 0, (a / 65536 | 0) % 256, (a / 256 | 0) % 256, a % 256].join(".") +
      "/" + (32 - m.bits_per_pixel);
  }

  function drawMap(sec, host) {
    var m = sec.map, n = m.side, scale = Math.max(1, Math.floor(512 / n));
    var canvas = host.querySelector("canvas"), slider = host.querySelector("input[type=range]");
    var label = host.querySelector(".wc-frame"), tip = host.querySelector(".wc-tip");
    var colors = m.classes.map(function (c) { return hexRgb(c.color); });
    canvas.width = n * scale; canvas.height = n * scale;
    var ctx = canvas.getContext("2d"), state = { frame: 0, lookup: null };

    function render(f) {
      var fr = m.frames[f], img = ctx.createImageData(n, n), px = img.data, i, j, c, k;
      for (i = 0; i < n * n; i++) { px[4 * i] = 255; px[4 * i + 1] = 255; px[4 * i + 2] = 255; px[4 * i + 3] = 255; }
      state.lookup = new Map();
      for (j = 0; j < m.pixels.length; j++) {
        if (fr.shown[j] < 0) continue;  // no host in this pixel at this time
        i = m.pixels[j]; c = colors[fr.shown[j]];
        px[4 * i] = c[0]; px[4 * i + 1] = c[1]; px[4 * i + 2] = c[2];
        state.lookup.set(i, j);
      }
      var off = document.createElement("canvas");
      off.width = n; off.height = n; off.getContext("2d").putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(off, 0, 0, n * scale, n * scale);
      ctx.strokeStyle = "rgba(156,163,175,0.6)"; ctx.lineWidth = 1;
      var w = m.slash8_side * scale;
      for (k = 0; k <= n * scale; k += w) {
        ctx.beginPath(); ctx.moveTo(k + 0.5, 0); ctx.lineTo(k + 0.5, n * scale); ctx.stroke();
        ctx.beginPath(); ctx.moveTo(0, k + 0.5); ctx.lineTo(n * scale, k + 0.5); ctx.stroke();
      }
      ctx.fillStyle = "#6b7280"; ctx.font = "9px sans-serif"; ctx.textBaseline = "top";
      for (k = 0; k < m.slash8.rows.length; k++) {
        ctx.fillText(String(k), m.slash8.cols[k] * scale + 2, m.slash8.rows[k] * scale + 2);
      }
      ctx.strokeStyle = "#111827"; ctx.lineWidth = 1.5; ctx.fillStyle = "#111827"; ctx.font = "11px sans-serif";
      m.blocks.forEach(function (b) {
        var pad = Math.max(0, (8 - (b.col1 - b.col0)) / 2) * scale;
        var x0 = b.col0 * scale - pad, y0 = b.row0 * scale - pad;
        ctx.strokeRect(x0, y0, (b.col1 - b.col0) * scale + 2 * pad, (b.row1 - b.row0) * scale + 2 * pad);
        ctx.fillText(b.name, b.col1 * scale + pad + 3, y0);
      });
      var totals = m.classes.map(function (c, i) { return c.label + ": " + fr.totals[i].toLocaleString("en"); });
      label.textContent = fr.label + " \u2014 " + totals.join(", ");
      canvas.setAttribute("data-frame", String(f));
      state.frame = f;
    }

    slider.max = String(m.frames.length - 1);
    slider.addEventListener("input", function () { render(Number(slider.value)); });
    canvas.addEventListener("mousemove", function (ev) {
      var col = Math.floor(ev.offsetX / canvas.clientWidth * n), row = Math.floor(ev.offsetY / canvas.clientHeight * n);
      if (col < 0 || row < 0 || col >= n || row >= n) { tip.textContent = ""; return; }
      var idx = row * n + col, j = state.lookup.get(idx), fr = m.frames[state.frame];
      var what = j === undefined ? "no hosts" : m.classes.map(function (c, i) {
        return c.name + " " + fr.counts[i][j];
      }).join(", ");
      tip.textContent = ipOfPixel(m, idx) + ": " + what;
    });
    canvas.addEventListener("mouseleave", function () { tip.textContent = ""; });
    render(0);
    window.wormcast.maps[sec.id] = { render: render, state: state };
  }

  // Draws sections into their elements (id = section id); the explorer calls it again on each result.
  function draw(sections) {
    var pending = [];
    sections.forEach(function (sec) {
      var host = document.getElementById(sec.id);
      if (sec.kind === "chart") {
        pending.push(vegaEmbed(host.querySelector(".wc-chart"), sec.spec,
          { mode: "vega-lite", ast: true, actions: false, renderer: "svg" }).then(function (res) {
          if (window.wormcast.views[sec.id]) { window.wormcast.views[sec.id].finalize(); }
          window.wormcast.views[sec.id] = res.view;
        }));
      } else if (sec.kind === "map") {
        drawMap(sec, host);
      }
    });
    return Promise.all(pending);
  }

  var data = document.getElementById("wc-data");
  if (data) {
    window.wormcast.ready = draw(JSON.parse(data.textContent).sections).then(function () {
      document.body.setAttribute("data-ready", "1");
    }, function (err) {
      console.error(err);
      document.body.setAttribute("data-ready", "error");
    });
  }
})();
