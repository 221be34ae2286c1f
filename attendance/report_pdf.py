"""The monthly attendance record as PDF (reportlab), with the hall's CJK font embedded.

The same two tables as the HTML page, on A4 landscape pages whose header row repeats; rows
with pending manual records are shaded. The font is the TrueType CJK face :mod:`hall.fonts`
finds (WenQuanYi Micro Hei; reportlab cannot embed the CFF outlines of Noto CJK), subset
into the file, so the PDF prints the same on any PC.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from attendance.report import MonthReport, _figures, _flags, _headers
from hall.i18n import t

FONT = "HallCJK"
TRUETYPE_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class PdfUnavailable(RuntimeError):
    """No TrueType CJK font to embed (install fonts-wqy-microhei)."""


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for path in TRUETYPE_CANDIDATES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
            return
    raise PdfUnavailable("no TrueType CJK font found; install fonts-wqy-microhei")


def to_pdf(report: MonthReport, lang: str = "zh-Hant", printed: datetime | None = None) -> bytes:
    """The report as PDF bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    title = t("attendance.report.title", lang, hall=report.hall, month=report.label)
    meta = (
        t("attendance.report.subtitle", lang)
        + " · "
        + t("attendance.report.month_days", lang, days=len(report.working_days))
    )
    if printed is not None:
        meta += " · " + t(
            "attendance.report.generated", lang, at=printed.strftime("%Y-%m-%d %H:%M")
        )
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=15, leading=20, spaceAfter=2 * mm)
    h2 = ParagraphStyle(
        "h2", fontName=FONT, fontSize=12, leading=16, spaceBefore=4 * mm, spaceAfter=2 * mm
    )
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9)

    def table(
        head: list[str],
        rows: list[list[str]],
        pending: list[bool],
        first_num: int,
        widths: list[float],
    ) -> Table:
        data = [[Paragraph(escape(h), cell) for h in head]]
        data += [
            [
                Paragraph(escape(c), cell) if n == first_num - 1 or n == len(r) - 1 else c
                for n, c in enumerate(r)
            ]
            for r in rows
        ]
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, 7.5),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
            ("ALIGN", (first_num, 1), (-2, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        for n, flag in enumerate(pending, start=1):
            if flag:
                style.append(("BACKGROUND", (0, n), (-1, n), colors.HexColor("#FFF3CD")))
        out = Table(data, colWidths=widths, repeatRows=1)
        out.setStyle(TableStyle(style))
        return out

    heads = _headers(lang)
    flags = t("attendance.report.flags", lang)
    people = table(
        [
            t("attendance.report.staff_id", lang),
            t("attendance.report.name", lang),
            t("attendance.report.unit", lang),
            *heads,
            flags,
        ],
        [
            [p.staff, p.name, p.unit_name, *_figures(p.tally), _flags(p.tally, lang)]
            for p in report.people
        ],
        [bool(p.tally.manual_pending) for p in report.people],
        3,
        [13 * mm, 17 * mm, 50 * mm, *[13 * mm] * len(heads), 41 * mm],
    )
    units = table(
        [t("attendance.report.unit", lang), t("attendance.report.people", lang), *heads, flags],
        [[u.name, str(u.people), *_figures(u.tally), _flags(u.tally, lang)] for u in report.units],
        [bool(u.tally.manual_pending) for u in report.units],
        1,
        [68 * mm, 12 * mm, *[13 * mm] * len(heads), 41 * mm],
    )
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=title,
        author=report.hall,
    )
    doc.build(
        [
            Paragraph(escape(title), h1),
            Paragraph(escape(meta), body),
            Paragraph(escape(t("attendance.report.by_person", lang)), h2),
            people,
            Spacer(1, 4 * mm),
            Paragraph(escape(t("attendance.report.by_unit", lang)), h2),
            units,
        ]
    )
    return buffer.getvalue()
