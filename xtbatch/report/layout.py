"""Paginate a report: bands filled with query values, placed on pages as primitives.

This follows OpenRPT's pre-renderer (``renderer/orprerender.cpp``): the report header, then each
detail section with its group heads and feet, then the report footer; a band that does not fit
above the page footer starts a new page; text areas flow line by line across pages. As in
OpenRPT, a band without elements takes no room when drawn, though its height still counts when
room is reserved for it (``renderSection`` against ``renderSectionSize``). Unlike OpenRPT, a
group head never ends a page: it goes to the next page with its first row. Positions are in
1/100 inch from the page's top-left corner; :mod:`xtbatch.report.pdf` draws them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from xtbatch.report.data import QueryResult, ReportData
from xtbatch.report.definition import DetailSection, ReportDefinition, Section
from xtbatch.report.elements import Element, TextArea
from xtbatch.report.formatting import format_value, to_text
from xtbatch.report.placement import Placer
from xtbatch.report.shapes import Document, PageCount, Shape, TextBox
from xtbatch.report.totals import Totals
from xtbatch.report.values import Values

log = logging.getLogger(__name__)


def layout(
    definition: ReportDefinition, data: ReportData, *, strict_fonts: bool = False
) -> Document:
    """Lay out ``definition`` filled with ``data`` on pages.

    Raises:
        ReportFontUnknown: a font is unknown and ``strict_fonts`` is set.
    """
    engine = _Engine(definition=definition, data=data, strict_fonts=strict_fonts)
    engine.run()
    if "lastpage" in definition.pghead:
        # The last page is only known once laid out: lay out again knowing it (OpenRPT never
        # uses a lastpage head). Heads of other heights may move rows; stop when stable.
        for _ in range(3):
            known = len(engine.pages)
            engine = _Engine(
                definition=definition, data=data, strict_fonts=strict_fonts, last_page=known
            )
            engine.run()
            if len(engine.pages) == known:
                break
    # As OpenRPT, fill in the page count once the last page is known.
    count = len(engine.pages)
    pages = tuple(
        tuple(
            dataclasses.replace(
                s, text=format_value(count, s.deferred.format, builtin=False), deferred=None
            )
            if isinstance(s, TextBox) and isinstance(s.deferred, PageCount)
            else s
            for s in page
        )
        for page in engine.pages
    )
    page = definition.page
    return Document(width=page.width, height=page.height, title=definition.title, pages=pages)


@dataclass(kw_only=True)
class _Engine:
    definition: ReportDefinition
    data: ReportData
    strict_fonts: bool
    last_page: int | None = None
    pages: list[list[Shape]] = field(default_factory=list)
    y: float = 0.0
    page_top: float = 0.0  # where the page's content starts, below its head
    totals: Totals = field(init=False)
    values: Values = field(init=False)
    placer: Placer = field(init=False)
    # Where subtotals start: "page" in page feet, a group index in group bands; "head" marks
    # page heads, which count like the detail band.
    context: str | int | None = None

    def __post_init__(self) -> None:
        self.totals = Totals(self.data.results)
        self.values = Values(definition=self.definition, data=self.data, totals=self.totals)
        self.placer = Placer(values=self.values, strict_fonts=self.strict_fonts)

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> None:
        definition = self.definition
        self.new_page()
        if definition.rpthead is not None:
            self.render(definition.rpthead)
        for section in definition.sections:
            self.render_detail(section)
        if definition.rptfoot is not None:
            self.ensure_room(definition.rptfoot, last=True)
            self.render(definition.rptfoot)
        self.finish_page(last=True)

    @property
    def page_number(self) -> int:
        return len(self.pages)

    @property
    def bottom(self) -> float:
        return self.definition.page.height - self.definition.page.margin_bottom

    def new_page(self) -> None:
        if self.pages:
            self.finish_page(last=False)
        self.pages.append([])
        self.totals.mark_page()
        self.place_watermark()
        self.y = self.definition.page.margin_top
        header = self.page_band(self.definition.pghead, last=False, header=True)
        if header is not None:
            self.render(header, context="head")
        self.page_top = self.y

    def place_watermark(self) -> None:
        """The page's watermark, behind everything else on it."""
        mark = self.definition.watermark
        if mark is not None:
            shape = self.placer.watermark(self.definition.page, mark, page_number=self.page_number)
            if shape is not None:
                self.pages[-1].append(shape)

    def finish_page(self, *, last: bool) -> None:
        footer = self.page_band(self.definition.pgfoot, last=last, header=False)
        if footer is None:
            return
        saved, self.context = self.context, "page"
        self.y = self.bottom - self.band_height(footer)
        self.render(footer)
        self.context = saved

    def page_band(
        self, bands: Mapping[str, Section], *, last: bool, header: bool
    ) -> Section | None:
        number = self.page_number
        last = last or (header and number == self.last_page)
        # OpenRPT's precedence: a last page's foot before a first page's; heads the other way.
        if last and not header and "lastpage" in bands:
            return bands["lastpage"]
        if number == 1 and "firstpage" in bands:
            return bands["firstpage"]
        if last and "lastpage" in bands:
            return bands["lastpage"]
        variant = "odd" if number % 2 else "even"
        return bands.get(variant, bands.get("any"))

    def footer_height(self, *, last: bool = False) -> float:
        footer = self.page_band(self.definition.pgfoot, last=last, header=False)
        if footer is None:
            return 0.0
        saved, self.context = self.context, "page"
        height = self.band_height(footer)
        self.context = saved
        return height

    def fits(self, band: Section, *, last: bool = False, ignore_text: bool = False) -> bool:
        """Whether ``band`` fits above the page footer (OpenRPT's test, kept to the letter)."""
        return self.fits_height(self.band_height(band, ignore_text=ignore_text), last=last)

    def fits_height(self, needed: float, *, last: bool = False) -> bool:
        return self.y + needed + self.footer_height(last=last) < self.bottom

    def ensure_room(self, band: Section, *, last: bool = False) -> None:
        if not self.fits(band, last=last):
            self.new_page()

    # -- detail sections ----------------------------------------------------------------------

    def render_detail(self, section: DetailSection) -> None:
        result = self.values.result(section.key.query)
        if result is None or not result.rows:
            return
        query, rows, groups = section.key.query, result.rows, section.groups
        self.totals.start_detail(query)
        for index in range(len(groups)):
            self.totals.reset_group(index, through=-1)
        self.open_groups(section, 0, 0, last=len(rows) == 1)
        for row in range(len(rows)):
            self.totals.move(query, row)
            if not self.fits(section.detail, last=row == len(rows) - 1, ignore_text=True):
                # The old page's footer shows the rows already on it.
                self.totals.move(query, row - 1)
                self.new_page()
                self.totals.move(query, row)
            self.render(section.detail)
            if row + 1 < len(rows):
                changed = self.changed_group(result, section, row)
                if changed is not None:
                    self.close_groups(section, changed, row)
                    self.open_groups(section, changed, row + 1, last=row + 2 == len(rows))
        self.close_groups(section, 0, len(rows) - 1, final=True)
        self.totals.end_detail()
        if section.page_break_at_end:
            self.new_page()

    def changed_group(self, result: QueryResult, section: DetailSection, row: int) -> int | None:
        for index, group in enumerate(section.groups):
            if self.key(result, row, group.column) != self.key(result, row + 1, group.column):
                return index
        return None

    def key(self, result: QueryResult, row: int, column: str) -> str:
        index = result.column_index(column) if column else None
        return "" if index is None else to_text(result.rows[row][index])

    def close_groups(
        self, section: DetailSection, first: int, row: int, final: bool = False
    ) -> None:
        do_break = False
        for index in reversed(range(first, len(section.groups))):
            group = section.groups[index]
            if do_break:
                self.new_page()
            do_break = False
            if group.foot is not None:
                self.ensure_room(group.foot)
                self.render(group.foot, context=index)
            self.totals.reset_group(index, through=row)
            do_break = group.page_break_after_foot and not final
        if do_break:
            self.new_page()

    def open_groups(self, section: DetailSection, first: int, row: int, *, last: bool) -> None:
        """Draw the heads of groups ``first``… for ``row``, on the page its first row goes on.

        OpenRPT checks each head alone and may leave it at the foot of a page, its rows on
        the next; xtbatch keeps the heads with their first row.
        """
        query = section.key.query
        self.totals.move(query, row)
        heads = [(i, g.head) for i, g in enumerate(section.groups) if i >= first and g.head]
        if not heads:
            return
        needed = sum(self.band_height(head) for _, head in heads)
        needed += self.band_height(section.detail, ignore_text=True)
        if not self.fits_height(needed, last=last) and self.y > self.page_top:
            # The old page's footer and the new page's subtotals split after the rows drawn.
            self.totals.move(query, row - 1)
            self.new_page()
            self.totals.move(query, row)
        for index, head in heads:
            if not self.fits(head):
                self.totals.move(query, row - 1)
                self.new_page()
                self.totals.move(query, row)
            self.render(head, context=index)

    # -- bands --------------------------------------------------------------------------------

    def band_height(self, band: Section, *, ignore_text: bool = False) -> float:
        """The room ``band`` needs: its height, or more where its text areas grow it.

        OpenRPT's renderSectionSize: a band with no elements still needs its height here.
        """
        height = band.height
        if ignore_text:
            return height
        for element in band.elements:
            if isinstance(element, TextArea):
                # An empty text area still reaches down to its top plus its bottom padding.
                lines = len(self.text_lines(element))
                stretch = element.rect.y + lines * element.rect.height + element.bottompad
                height = max(height, stretch)
        return height

    def render(self, band: Section, *, context: str | int | None = None) -> None:
        if not band.elements:
            return  # OpenRPT's renderSection: a band with no elements takes no room
        saved = self.context
        if context is not None:
            self.context = context
        top = self.y
        end = top + band.height
        for element in band.elements:
            if not isinstance(element, TextArea):
                self.place(element, top)
        for element in band.elements:
            if isinstance(element, TextArea):
                pages = len(self.pages)
                text_end = self.flow(element, top)
                if len(self.pages) != pages:
                    # The text went on to a new page: the band ends where the text does.
                    top, end = self.y, text_end
                else:
                    end = max(end, text_end)
        self.y = end
        self.context = saved

    def flow(self, text: TextArea, top: float) -> float:
        """Place a text area's lines, starting new pages as needed; return where it ends."""
        lines = self.text_lines(text)
        if not lines:
            return top + text.rect.y + text.bottompad
        name = self.placer.font(text.font)
        left, rect = self.definition.page.margin_left, text.rect
        # Page heads and feet never break pages: a head that did would start pages forever.
        in_footer = self.context in ("page", "head")
        limit = self.bottom if in_footer else self.bottom - self.footer_height()
        y = top + rect.y
        fresh = False  # a line taller than a page still goes on one, not on endless pages
        for line in lines:
            # OpenRPT's TextElementSplitter::endOfPage: the line would end below the limit.
            if not in_footer and not fresh and y + rect.height > limit:
                self.new_page()
                y, fresh = self.y + rect.y, True
                limit = self.bottom - self.footer_height()
            else:
                fresh = False
            box = TextBox(
                x=left + rect.x,
                y=y,
                width=rect.width,
                height=rect.height,
                text=line,
                font=name,
                size=text.font.size,
                align=text.align,
            )
            self.pages[-1].append(box)
            y += rect.height
        return y + text.bottompad

    def text_lines(self, text: TextArea) -> list[str]:
        return self.placer.text_lines(text, page_number=self.page_number)

    def place(self, element: Element, top: float) -> None:
        left = self.definition.page.margin_left
        shape = self.placer.shape(
            element, left=left, top=top, page_number=self.page_number, context=self.context
        )
        if shape is not None:
            self.pages[-1].append(shape)


__all__ = ["Document", "Shape", "layout"]
