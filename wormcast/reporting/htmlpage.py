"""Building blocks for self-contained HTML reports.

Every string that reaches a page goes through :func:`esc` (log lines are attacker input), pictures are
inlined as base64 PNG, and pages carry a Content-Security-Policy that forbids scripts outright (an
interactive page, :mod:`.interactive`, allows exactly its own inline scripts by their hashes).
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Iterable, Sequence

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1d2330;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #d8dce5;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em;display:block;overflow-x:auto;max-width:100%}td,th{border:1px solid #d8dce5;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f2f4f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto;border:1px solid #e5e7ee}
.muted{color:#667085;font-size:.9em}.ctl{color:#b42318;font-family:ui-monospace,Menlo,Consolas,monospace}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;word-break:normal;overflow-wrap:anywhere;white-space:pre-wrap}
"""


# Unicode bidirectional controls (embeddings, overrides, isolates, marks): in a log string they can
# reorder what a reader sees (a "Trojan source" line). A regular-expression class, shared with the
# terminal output (wormcast.audit.report.printable), which shows them as escapes too.
BIDI_CLASS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_CLASS}]")


def _bidi_mark(m: re.Match) -> str:
    # No quote characters: esc() also fills quoted attributes, where this stays inert text.
    return f"<span class=ctl>\\u{ord(m.group()):04x}</span>"


def esc(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute; bidi controls become a visible escape
    (``\\u202e`` in a ``ctl`` span), so that they cannot reorder the page's text."""
    text = html.escape("" if value is None else str(value), quote=True)
    return _BIDI.sub(_bidi_mark, text)


def png_bytes(fig) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def img_from_png(data: bytes, alt: str) -> str:
    """An inline <img> for PNG bytes."""
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'


def png_img(fig, alt: str) -> str:
    """Render a matplotlib figure to an inline <img> and close it."""
    return img_from_png(png_bytes(fig), alt)


def table(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """An escaped HTML table; numbers are right-aligned."""
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in header), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for cell in row:
            cls = ' class="num"' if isinstance(cell, (int, float)) and not isinstance(cell, bool) else ""
            out.append(f"<td{cls}>{esc(cell)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def page(title: str, body_html: str, csp: str = CSP, scripts: str = "") -> str:
    """A whole self-contained page around already-escaped body HTML; ``scripts`` (script elements, trusted)
    go at the end of the body, and ``csp`` must allow them."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>\n{body_html}\n{scripts}</body></html>\n"
    )
