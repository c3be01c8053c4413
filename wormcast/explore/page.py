"""The explorer's page: controls, headline figures, the outbreak chart, the address map and the
organisations' exposure, drawn by the interactive report's script (interactive.js) fed from /api/run.

Content-Security-Policy: scripts only by the hashes of the inline ones (Vega, interactive.js,
explore.js), requests only to the page's own origin (``connect-src 'self'``), no other source.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from ..reporting.htmlpage import page
from ..reporting.interactive import VENDOR_SCRIPTS, asset, script_hash

_STYLE = ("<style>.wx-bar{display:flex;flex-wrap:wrap;gap:.6em 1.4em;align-items:center;margin:.6em 0}"
          ".wx-control{white-space:nowrap}.wx-control input{width:8em}"
          "#wx-headline{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}"
          "#wx-headline dt{color:#6b7280}#wx-headline dd{margin:0}</style>")

BODY = ('<h1>wormcast explorer</h1>' + _STYLE +
        '<p class="muted" id="wx-description"></p>'
        '<div class="wx-bar"><label>preset <select id="wx-preset" aria-label="preset"></select></label>'
        '<label>seed <input id="wx-seed" type="number" min="0" step="1" value="0" style="width:5em"></label>'
        '<span id="wx-status" class="muted" role="status"></span></div>'
        '<div class="wx-bar" id="wx-controls"></div>'
        '<dl id="wx-headline"></dl>'
        '<section id="wc-chart" class="wc-section"></section>'
        '<section id="wc-map" class="wc-section"></section>'
        '<section class="wc-section"><h2>Organisations</h2><div id="wx-exposure"></div></section>')


@lru_cache(maxsize=1)
def explorer_page() -> str:
    own = resources.files("wormcast.explore").joinpath("explore.js").read_text(encoding="utf-8")
    codes = [asset(n) for n in VENDOR_SCRIPTS] + [asset("interactive.js"), own]
    csp = ("default-src 'none'; script-src " + " ".join(script_hash(c) for c in codes)
           + "; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'")
    return page("wormcast explorer", BODY, csp=csp, scripts="".join(f"<script>{c}</script>\n" for c in codes))
