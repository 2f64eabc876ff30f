"""Tables as Markdown, CSV, or one self-contained HTML page (inline CSS and JS, no downloads)."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from embedboard.reports.tables import Table

TEMPLATE = Path(__file__).with_name("templates") / "leaderboard.html"
FORMATS = ("md", "csv", "html")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(table: Table, with_title: bool = False, with_notes: bool = True) -> str:
    """A GitHub Markdown table (score columns right-aligned), then its notes as a list."""
    lines = [f"### {table.title}", ""] if with_title else []
    align = ["---" if i < table.text_columns else "---:" for i in range(len(table.headers))]
    lines.append("| " + " | ".join(_md_cell(h) for h in table.headers) + " |")
    lines.append("|" + "|".join(align) + "|")
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    if with_notes and table.notes:
        lines.append("")
        lines += [f"- {note}" for note in table.notes]
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    """Header and rows; the cells keep the table's rounding and missing-task texts."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return buffer.getvalue()


def _html_cell(text: str, key: float | None, title: str, link: str | None) -> str:
    content = html.escape(text)
    if link:
        content = f'<a href="{html.escape(link)}" rel="noopener">{content}</a>'
    attrs = f' title="{html.escape(title)}"' if title else ""
    if key is None:
        return f"<td{attrs}>{content}</td>"
    return f'<td class="num" data-sort="{key!r}"{attrs}>{content}</td>'


def _html_table(table: Table) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in table.headers)
    width = len(table.headers)
    sort_keys = table.sort_keys or [[None] * width] * len(table.rows)
    titles = table.titles or [[""] * width] * len(table.rows)
    links = table.links or [None] * len(table.rows)
    body = []
    for row, keys, row_titles, link in zip(table.rows, sort_keys, titles, links, strict=True):
        cells = [
            _html_cell(text, key, title, link if column == table.link_column else None)
            for column, (text, key, title) in enumerate(zip(row, keys, row_titles, strict=True))
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in table.notes)
    return (
        f"<h2>{html.escape(table.title)}</h2>\n"
        f'<table class="embedboard">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>\n"
        + (f'<ul class="notes">{notes}</ul>\n' if notes else "")
    )


def to_html(tables: list[Table], title: str) -> str:
    """One HTML file holding every table, each sortable by clicking its headers."""
    page = TEMPLATE.read_text(encoding="utf-8")
    return page.replace("<!--TITLE-->", html.escape(title)).replace(
        "<!--TABLES-->", "".join(_html_table(t) for t in tables)
    )


def render(tables: list[Table], fmt: str, title: str) -> str:
    """All tables in one format (CSV: tables separated by a blank line)."""
    if fmt == "md":
        return "\n".join(to_markdown(t, with_title=len(tables) > 1) for t in tables)
    if fmt == "csv":
        return "\n".join(to_csv(t) for t in tables)
    if fmt == "html":
        return to_html(tables, title)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
