"""A draft report (.docx) in the shape of VVSG's report, from the report's figures.

VVSG writes the text around the figures; this draft gives it the figures in place:
a title page and a table of contents, the response (invited, respondents, rate, by
kind, by province, applicants against respondents per item), then a chapter per item
of each repeated section (its n, per question the table of answers with the top 2 or
the options by share, and every quotable open answer with its pseudonymous code),
then the general questions the same way. Everything is a table or a paragraph, and
every heading uses Word's built-in heading styles, so the navigation pane and the
table of contents work.

Nothing is counted here: the figures are ``report_figures.ReportFigures`` (computed
once while the export's rows stream past) and the response rate is ``tracking``'s.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import IO, Any

from babel.dates import format_date
from babel.numbers import format_decimal
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from intake.models import Questionnaire
from intake.questionnaire.model import Questionnaire as Model
from intake.questionnaire.model import Section
from intake.services import questionnaires, tracking
from intake.services.report_figures import ItemRow, Quote, ReportFigures, Table

LOCALE = "nl_BE"
TABLE_STYLE = "LightGrid-Accent1"  # the id of "Light Grid Accent 1" (an id is fast)
TOC_PLACEHOLDER = (
    "Werk deze inhoudstafel bij om ze te tonen: klik erop met de rechtermuisknop en kies "
    "'Veld bijwerken' (of druk F9)."
)


def percent(share: float | None) -> str:
    """0.7143 as '71%', as the report writes it."""
    return "–" if share is None else f"{round(share * 100)}%"


def number(value: float | int) -> str:
    """A count as '3.557', a mean as '3,2' (Dutch separators)."""
    if isinstance(value, int):
        return format_decimal(value, locale=LOCALE)
    return format_decimal(round(value, 2), format="#,##0.0#", locale=LOCALE)


def write(
    target: IO[bytes],
    questionnaire: Questionnaire,
    live: Model,
    figures: ReportFigures,
    moment: dt.datetime,
) -> None:
    """Write the draft report of ``questionnaire`` to ``target``."""
    document = Document()
    _page_setup(document)
    quotes = _quotes_by_section(figures.quotes)
    contents = _title_page(document, questionnaire, figures.responses, moment)
    _response(document, questionnaire)
    for summary in figures.items:
        section = live.section(summary.section)
        if section is None:
            continue
        title = summary.title.rstrip(":").strip() or section.id
        _heading(document, f"Resultaten per {title.lower()}", level=1)
        for row in summary.rows:
            _item_chapter(document, section, row, summary.columns, figures.tables, quotes)
    general = [s for s in live.sections if s.repeat_for is None]
    tables = [t for t in figures.tables if t.item is None and not t.pooled]
    if any(t.section == s.id for t in tables for s in general) or any(
        (s.id, None) in quotes for s in general
    ):
        _heading(document, "Algemene vragen", level=1)
        for section in general:
            own = [t for t in tables if t.section == section.id]
            said = quotes.get((section.id, None), {})
            if not own and not said:
                continue
            _heading(document, section.title.get(), level=2)
            _questions(document, section, own, said)
    _toc(document, contents)
    document.save(target)


# --------------------------------------------------------------------------- layout


def _paragraph(document: DocumentType, text: str = "", style_id: str | None = None) -> Paragraph:
    """A paragraph in the style of that id (python-docx looks a style name up in the
    whole style sheet each time: seconds over a report)."""
    paragraph = document.add_paragraph(text)
    if style_id is not None:
        paragraph._p.style = style_id
    return paragraph


def _heading(document: DocumentType, text: str, level: int) -> Paragraph:
    """A paragraph in Word's built-in heading style (navigation pane, contents)."""
    return _paragraph(document, text, f"Heading{level}")


def _page_setup(document: DocumentType) -> None:
    """A4 with 2.5 cm margins, Dutch proofing, and fields (the table of contents)
    updated when Word opens the file."""
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "nl-BE")
    normal.element.get_or_add_rPr().append(language)
    # Every chapter (Respons, the results per item, the general questions) on a new page.
    document.styles["Heading 1"].paragraph_format.page_break_before = True
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)


def _title_page(
    document: DocumentType, questionnaire: Questionnaire, responses: int, moment: dt.datetime
) -> Paragraph:
    """The title page, then a page for the table of contents; returns the paragraph the
    contents go before."""
    document.add_paragraph(questionnaire.title, style="Title")
    document.add_paragraph("Ontwerp van rapport", style="Subtitle")
    document.add_paragraph(
        f"Op basis van {number(responses)} "
        f"{'antwoord' if responses == 1 else 'antwoorden'}, "
        f"geëxporteerd op {format_date(moment, format='long', locale=LOCALE)}."
    )
    document.add_paragraph(
        "Alle cijfers en citaten komen uit Intake. Respondenten worden enkel met hun "
        "pseudonieme code geciteerd (bijvoorbeeld CS02, S05, G01, IGS01)."
    )
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    heading = document.add_paragraph("Inhoud", style="TOC Heading")
    heading.paragraph_format.space_after = Pt(6)
    hint = document.add_paragraph()
    hint.add_run(TOC_PLACEHOLDER).italic = True
    hint.paragraph_format.space_before = Pt(12)
    return hint


def _toc(document: DocumentType, before: Paragraph) -> None:
    """A TOC field over headings 1–2 before ``before``. Its shown result lists the
    headings already (without page numbers), so the draft reads well before Word
    updates the field, as it offers to when the file opens."""
    levels = {"Heading1": 1, "Heading2": 2}
    entries = [
        (levels[paragraph._p.style], paragraph.text)
        for paragraph in document.paragraphs
        if paragraph._p.style in levels
    ] or [(1, "")]
    styles = {level: _toc_style(document, level) for level in (1, 2)}

    def char(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    instruction: Any = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = 'TOC \\o "1-2" \\h \\z \\u'
    for index, (level, text) in enumerate(entries):
        paragraph = before.insert_paragraph_before()
        paragraph._p.style = styles[level].style_id
        if index == 0:
            paragraph.add_run()._r.append(char("begin"))
            paragraph.add_run()._r.append(instruction)
            paragraph.add_run()._r.append(char("separate"))
        paragraph.add_run(text)
        if index == len(entries) - 1:
            paragraph.add_run()._r.append(char("end"))


def _toc_style(document: DocumentType, level: int) -> Any:
    """Word's 'TOC 1' and 'TOC 2' paragraph styles (the default template lacks them)."""
    name = f"TOC {level}"
    if name in [s.name for s in document.styles]:
        return document.styles[name]
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.paragraph_format.left_indent = Cm(0.6 * (level - 1))
    style.paragraph_format.space_after = Pt(3 if level == 2 else 6)
    style.paragraph_format.space_before = Pt(0 if level == 2 else 6)
    style.font.bold = level == 1
    return style


def _table(
    document: DocumentType,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths: Sequence[float],
    bold_rows: Iterable[Sequence[str]] = (),
    texts: int = 1,
) -> DocxTable:
    """A table with a header row, figures right-aligned after the first ``texts``
    columns, and bold summary rows (a total, the top 2) at the end."""
    table: DocxTable = document.add_table(rows=1, cols=len(header))
    table._tbl.tblPr.style = TABLE_STYLE
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for index, (cell, text) in enumerate(zip(table.rows[0].cells, header, strict=True)):
        cell.text = text
        if index >= texts:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _repeat_header(table)
    for values, bold in [*((r, False) for r in rows), *((r, True) for r in bold_rows)]:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(text)
            run.bold = True if bold else None
            if index >= texts:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid LibreOffice lays out by
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)  # the cell widths Word lays out by
    document.add_paragraph()
    return table


def _repeat_header(table: DocxTable) -> None:
    """The header row comes back on every page a long table runs over."""
    properties = table.rows[0]._tr.get_or_add_trPr()
    header: Any = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


# --------------------------------------------------------------------------- response


def _response(document: DocumentType, questionnaire: Questionnaire) -> None:
    overview = tracking.overview(questionnaire)
    rate = overview.rate
    _heading(document, "Respons", level=1)
    document.add_paragraph(
        f"Van de {number(rate.invited)} uitgenodigde besturen dienden er "
        f"{number(rate.submitted)} de vragenlijst in: een responsgraad van {rate.percent}%."
    )
    columns = [("Per soort bestuur", tracking.by_column(questionnaire, "kind"))]
    columns += [(f"Per {str(a.label).lower()}", groups)
                for a, groups in tracking.breakdowns(questionnaire)]  # fmt: skip
    for title, groups in columns:
        _heading(document, title, level=2)
        _table(
            document,
            ["", "Uitgenodigd", "Ingediend", "Responsgraad"],
            [
                [g.label, number(g.rate.invited), number(g.rate.submitted), f"{g.rate.percent}%"]
                for g in groups
            ],  # fmt: skip
            [6.0, 3.2, 3.0, 3.8],  # "Uitgenodigd" and "Responsgraad" each on one line
            [["Totaal", number(rate.invited), number(rate.submitted), f"{rate.percent}%"]],
        )
    for attribute, summaries in tracking.number_summaries(questionnaire):
        _heading(document, str(attribute.label), level=2)
        _table(
            document,
            ["", "Met waarde", "Minimum", "Mediaan", "Maximum"],
            [[s.label, number(s.n),
              *("–" if v is None else number(v) for v in (s.minimum, s.median, s.maximum))]
             for s in summaries],
            [4.4, 3.0, 2.9, 2.9, 2.9],
        )  # fmt: skip
    catalogues = tracking.by_item(questionnaire)
    covering = questionnaires.population(questionnaire).covering
    for catalogue, rows in catalogues.items():
        which = f" ({catalogue})" if len(catalogues) > 1 else ""
        _heading(document, f"Indieners en respondenten per item{which}", level=2)
        if covering is None:
            _table(
                document,
                ["Item", "Titel", "Indieners", "Respondenten"],
                [[row.code, row.title, number(row.invited), number(row.submitted)]
                 for row in rows],
                [1.4, 8.0, 2.8, 3.8],  # wide enough for "Respondenten" on one line
                texts=2,
            )  # fmt: skip
            continue
        # With a covering list (an IGS's members): the local governments each group covers.
        document.add_paragraph(
            "'Dekken' telt de lokale besturen die ze vertegenwoordigen: wie een lijst "
            f"'{covering.label}' heeft, telt voor elk bestuur in die lijst, een ander voor één."
        )
        _table(
            document,
            ["Item", "Titel", "Indieners", "Respondenten", "Indieners dekken",
             "Respondenten dekken"],
            [[row.code, row.title, number(row.invited), number(row.submitted),
              number(row.covered_invited or 0), number(row.covered_submitted or 0)]
             for row in rows],
            [1.2, 5.4, 2.4, 2.8, 2.6, 2.8],
            texts=2,
        )  # fmt: skip


# --------------------------------------------------------------------------- chapters


QuotesBySection = dict[tuple[str, str | None], dict[str, list[Quote]]]


def _quotes_by_section(quotes: Iterable[Quote]) -> QuotesBySection:
    """The quotes per (section, item), then per question id, in codebook order."""
    result: QuotesBySection = defaultdict(lambda: defaultdict(list))
    for quote in quotes:
        result[(quote.section, quote.item)][quote.question_id].append(quote)
    return result


def _item_chapter(
    document: DocumentType,
    section: Section,
    row: ItemRow,
    columns: Sequence[Any],
    tables: list[Table],
    quotes: QuotesBySection,
) -> None:
    """One item (action): its n, then per question its table or its quotes."""
    _heading(document, section.title.format_item(row.code, row.title).get(), level=2)
    own = [t for t in tables if t.section == section.id and t.item == row.code and not t.pooled]
    said = quotes.get((section.id, row.code), {})
    # n and its base are the first two figures of the item's row (the first question's).
    n, base = (row.values[0], row.values[1]) if len(columns) >= 2 else (0, 0)
    paragraph = document.add_paragraph()
    paragraph.add_run(f"n = {number(n)}").bold = True
    paragraph.add_run(f": beantwoord door {number(n)} van de {number(base)} besturen die de "
                      "vragen over dit item kregen.")  # fmt: skip
    if row.applicants is not None and row.respondents is not None:
        paragraph.add_run(f" In het register zijn {number(row.applicants)} indieners aan dit "
                          f"item gekoppeld; {number(row.respondents)} van hen zitten in deze "
                          "cijfers.")  # fmt: skip
        if row.covered_applicants is not None and row.covered_respondents is not None:
            covered = number(row.covered_applicants), number(row.covered_respondents)
            paragraph.add_run(f" De indieners dekken {covered[0]} lokale besturen, de "
                              f"respondenten {covered[1]}.")  # fmt: skip
    if not own and not said:
        document.add_paragraph("Niemand beantwoordde de vragen over dit item.")
        return
    _questions(document, section, own, said, (row.code, row.title))


def _questions(
    document: DocumentType,
    section: Section,
    tables: list[Table],
    said: dict[str, list[Quote]],
    item: tuple[str, str] | None = None,
) -> None:
    """Per question of the section, in its order: its tables (with n), then its quotes.
    In an item's chapter a question reads with its item ("Hoe succesvol was actie 5
    (Oefenkansen Nederlands organiseren) in je bestuur?")."""
    for question in section.questions:
        own = [t for t in tables if t.question == question.id]
        quoted = said.get(question.id, [])
        if not own and not quoted:
            continue
        label = question.label if item is None else question.label.format_item(*item)
        asked = label.get()
        _heading(document, asked, level=3)
        for table in own:
            _frequency_table(document, table, asked, _without_item(table.label, section, item))
        if quoted:
            _quotes(document, quoted, asked)


def _without_item(label: str, section: Section, item: tuple[str, str] | None) -> str:
    """A table's label without the item the codebook names after it ("… – Actie 5: …"):
    in the item's own chapter the heading says so already."""
    if item is None:
        return label
    return label.replace(f" – {section.title.format_item(*item).get()}", "", 1)


def _part(label: str, question: str) -> str | None:
    """What sets one of a question's tables or answers apart (a matrix row, a ranked
    choice, the text of "other"), or None."""
    if label == question:
        return None
    return label.removeprefix(question).lstrip(": ").strip() or None


def _frequency_table(
    document: DocumentType, table: Table, question: str, label: str | None = None
) -> None:
    """A table of answers: count and share of those who answered, with the summary
    lines (top 2, mean rank) in bold; n beside the base asked above it."""
    part = _part(table.label if label is None else label, question)
    if part is not None:
        document.add_paragraph().add_run(part).bold = True
    _paragraph(document, f"n = {number(table.n)} (van {number(table.base)} bevraagd)", "Caption")
    if not table.n:
        return
    _table(
        document,
        ["Antwoord", "Aantal", "Aandeel"],
        [[text, number(count), percent(table.share(count))] for _, text, count in table.lines],
        [10.5, 2.5, 2.5],
        [
            [
                text[:1].upper() + text[1:],
                number(value),
                percent(share) if share is not None else "",
            ]
            for text, value, share in table.summary
        ],  # fmt: skip
    )


def _quotes(document: DocumentType, quotes: list[Quote], question: str) -> None:
    """Every quotable answer, in the report's style: the answer, then its code; the
    answers to each part of a question (such as its "other" text) together."""
    for _, group in itertools.groupby(quotes, key=lambda q: q.variable):
        said = list(group)
        part = _part(said[0].question, question)
        intro = (
            f"{number(len(said))} {'antwoord' if len(said) == 1 else 'antwoorden'} om te citeren"
        )
        document.add_paragraph(f"{intro} ({part}):" if part else f"{intro}:")
        for quote in said:
            paragraph = _paragraph(document, "", "Quote")
            paragraph.add_run(f"“{quote.text}”")
            paragraph.add_run(f" – {quote.code}").bold = True
