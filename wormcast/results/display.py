"""How the API's objects show themselves: a few lines of text for ``repr()`` and a small escaped HTML table
for notebooks (``_repr_html_``). Each object gives a title and (label, value) rows in ``_display()``."""

from __future__ import annotations


def figure(value, unit: str = "") -> str:
    """A number for people: thousands separators, three significant digits for fractions, '-' for missing."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{value}{unit}"
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        text = f"{int(v):,}"
    elif abs(v) >= 1000:
        text = f"{v:,.0f}"
    else:
        text = f"{v:.3g}"
    return f"{text}{unit}"


class Displayable:
    """``repr`` and ``_repr_html_`` from ``_display() -> (title, [(label, text), ...])`` and, below the rows,
    an optional preformatted block from ``_display_block()`` (a sweep's aggregate table)."""

    def _display(self) -> tuple[str, list[tuple[str, str]]]:  # pragma: no cover - every subclass has one
        raise NotImplementedError

    def _display_block(self) -> str | None:
        return None

    def __repr__(self) -> str:
        title, rows = self._display()
        width = max((len(k) for k, _ in rows), default=0)
        block = self._display_block()
        lines = [f"<{title}>", *(f"  {k.ljust(width)}  {v}" for k, v in rows)]
        return "\n".join(lines + ([f"  {ln}" for ln in block.splitlines()] if block else []))

    def _repr_html_(self) -> str:
        from ..reporting.htmlpage import esc

        title, rows = self._display()
        body = "".join(f"<tr><th style=\"text-align:left\">{esc(k)}</th><td style=\"text-align:left\">{esc(v)}</td></tr>"
                       for k, v in rows)
        block = self._display_block()
        pre = f"<pre>{esc(block)}</pre>" if block else ""
        return f"<div><strong>{esc(title)}</strong><table>{body}</table>{pre}</div>"
