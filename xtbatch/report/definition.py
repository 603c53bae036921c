"""OpenRPT report definitions: the XML xTuple keeps in ``report.report_source``, parsed.

The element semantics follow OpenRPT's ``common/parsexmlutils.cpp``. Every length is in
OpenRPT's unit, 1/100 inch, measured from the section's top-left corner inside the margins.
Unknown or incomplete elements are logged as warnings and skipped, never fatal: xTuple's own
renderer skips them the same way, and an administrator can still get the rest of the report.
What OpenRPT draws and xtbatch cannot (graphs, crosstabs, label sheets, background images,
fields repeated over several cells) raises :class:`ReportElementUnsupported`: the rest
of such a report would look complete without being so.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field

from xtbatch.report.elements import (
    Box,
    DataRef,
    Element,
    Image,
    Watermark,
    number,
    parse_element,
    parse_watermark,
    text_of,
)
from xtbatch.report.errors import ReportDefinitionInvalid, ReportElementUnsupported

log = logging.getLogger(__name__)

# Named page sizes, width and height in 1/100 inch, from OpenRPT's pagesizeinfo.cpp.
PAGE_SIZES: Mapping[str, tuple[float, float]] = {
    "A0": (3311, 4681), "A1": (2340, 3311), "A2": (1654, 2340), "A3": (1170, 1654),
    "A4": (826, 1170), "A5": (583, 826), "A6": (413, 583), "A7": (291, 413), "A8": (205, 291),
    "A9": (146, 205), "B0": (4055, 5732), "B1": (2866, 4055), "B2": (2028, 2866),
    "B3": (1433, 2028), "B4": (1013, 1433), "B5": (717, 1013), "B6": (504, 717),
    "B7": (358, 504), "B8": (252, 358), "B9": (177, 252), "B10": (126, 177),
    "C5E": (642, 902), "Comm10E": (413, 950), "DLE": (433, 866), "Executive": (750, 1000),
    "Folio": (827, 1300), "Ledger": (1701, 1098), "Legal": (850, 1400), "Letter": (850, 1100),
    "Tabloid": (1098, 1701),
}  # fmt: skip

PAGE_VARIANTS = ("firstpage", "odd", "even", "lastpage")


@dataclass(frozen=True, kw_only=True)
class Section:
    kind: str
    height: float = 0.0
    elements: tuple[Element, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Group:
    name: str
    column: str
    head: Section | None = None
    foot: Section | None = None
    page_break_after_foot: bool = False


@dataclass(frozen=True, kw_only=True)
class DetailSection:
    """A ``section``: one detail band repeated per row of ``key.query``, with its groups."""

    name: str
    key: DataRef
    detail: Section
    groups: tuple[Group, ...] = ()
    page_break_at_end: bool = False


@dataclass(frozen=True, kw_only=True)
class QuerySource:
    """Inline SQL, or with ``load_from_db`` the MetaSQL statement ``mql_group``/``mql_name``."""

    name: str
    sql: str = ""
    load_from_db: bool = False
    mql_group: str = ""
    mql_name: str = ""


@dataclass(frozen=True, kw_only=True)
class Parameter:
    name: str
    default: str = ""
    active: bool = False
    type: str = ""


@dataclass(frozen=True, kw_only=True)
class Page:
    """Page and margins in 1/100 inch, width and height already swapped for landscape."""

    size_name: str = "Letter"
    width: float = 850.0
    height: float = 1100.0
    portrait: bool = True
    margin_top: float = 100.0
    margin_bottom: float = 100.0
    margin_left: float = 100.0
    margin_right: float = 100.0


@dataclass(frozen=True, kw_only=True)
class ReportDefinition:
    name: str = ""
    title: str = ""
    description: str = ""
    page: Page = Page()
    queries: tuple[QuerySource, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    rpthead: Section | None = None
    rptfoot: Section | None = None
    # Keyed by "any" or a PAGE_VARIANTS name.
    pghead: Mapping[str, Section] = field(default_factory=dict)
    pgfoot: Mapping[str, Section] = field(default_factory=dict)
    sections: tuple[DetailSection, ...] = ()
    watermark: Watermark | None = None


def parse_definition(source: str) -> ReportDefinition:
    """Parse OpenRPT XML into a :class:`ReportDefinition`.

    Raises:
        ReportDefinitionInvalid: the text is not XML or its root is not ``<report>``.
    """
    try:
        root = ET.fromstring(source)
    except ET.ParseError as exc:
        raise ReportDefinitionInvalid(
            f"The report definition is not valid XML ({exc}): open and save it in the report "
            "writer, or restore it from the report's stock grade"
        ) from exc
    if root.tag != "report":
        raise ReportDefinitionInvalid(
            f"The report definition's root element is <{root.tag}>, not <report>"
        )
    return _parse_report(root)


def _parse_report(root: ET.Element) -> ReportDefinition:
    texts: dict[str, str] = {}
    bands: dict[str, Section] = {}
    page: dict[str, float | str] = {}
    queries: list[QuerySource] = []
    parameters: list[Parameter] = []
    pghead: dict[str, Section] = {}
    pgfoot: dict[str, Section] = {}
    sections: list[DetailSection] = []
    watermark: Watermark | None = None
    for child in root:
        tag = child.tag
        if tag in ("title", "name", "description"):
            texts[tag] = text_of(child)
        elif tag in ("size", "portrait", "landscape") or tag.endswith("margin"):
            _parse_page_part(child, page)
        elif tag == "labeltype":
            _refuse(tag, "a label sheet", "the page setup")
        elif tag == "watermark":
            watermark = parse_watermark(child)
        elif tag == "background":
            _refuse_background(child)
        elif tag == "querysource":
            queries.append(_parse_query_source(child))
        elif tag == "parameter" and child.get("name"):
            parameters.append(_parse_parameter(child))
        elif tag in ("rpthead", "rptfoot"):
            bands[tag] = parse_section(child)
        elif tag in ("pghead", "pgfoot"):
            target = pghead if tag == "pghead" else pgfoot
            variant = next((v.tag for v in child if v.tag in PAGE_VARIANTS), "any")
            target[variant] = parse_section(child)
        elif tag == "section":
            detail = _parse_detail_section(child)
            if detail is not None:
                sections.append(detail)
        elif tag in ("grid", "database", "colordef"):
            pass  # designer grid, designer test data, colour names: nothing to render
        else:
            log.warning(
                "Skipping unsupported report element <%s>", tag, extra={"action": "report_parse"}
            )
    return ReportDefinition(
        name=texts.get("name", ""),
        title=texts.get("title", ""),
        description=texts.get("description", ""),
        page=_build_page(page),
        queries=tuple(queries),
        parameters=tuple(parameters),
        rpthead=bands.get("rpthead"),
        rptfoot=bands.get("rptfoot"),
        pghead=pghead,
        pgfoot=pgfoot,
        sections=tuple(sections),
        watermark=watermark,
    )


def _parse_page_part(child: ET.Element, page: dict[str, float | str]) -> None:
    if child.tag == "size":
        width, height = child.find("width"), child.find("height")
        if width is not None and height is not None:
            page.update(size="Custom", width=number(width), height=number(height))
        elif text_of(child).strip() == "Labels":
            _refuse("size", "a label sheet", "the page setup")
        else:
            page["size"] = text_of(child).strip()
    elif child.tag in ("portrait", "landscape"):
        page["orientation"] = child.tag
    elif child.tag in ("topmargin", "bottommargin", "leftmargin", "rightmargin"):
        value = number(child, -1.0)
        # OpenRPT uses half an inch when a margin is unreadable.
        page[child.tag] = value if value >= 0 else 50.0
    else:
        log.warning("Skipping unsupported report element <%s>", child.tag)


def _build_page(page: dict[str, float | str]) -> Page:
    name = str(page.get("size", "Letter"))
    if name == "Custom":
        width, height = float(page.get("width", 850.0)), float(page.get("height", 1100.0))
    else:
        if name not in PAGE_SIZES:
            log.warning("Unknown page size %r: using Letter", name)
            name = "Letter"
        width, height = PAGE_SIZES[name]
    portrait = page.get("orientation", "portrait") == "portrait"
    if not portrait:
        width, height = height, width
    return Page(
        size_name=name,
        width=width,
        height=height,
        portrait=portrait,
        margin_top=float(page.get("topmargin", 100.0)),
        margin_bottom=float(page.get("bottommargin", 100.0)),
        margin_left=float(page.get("leftmargin", 100.0)),
        margin_right=float(page.get("rightmargin", 100.0)),
    )


def _parse_query_source(element: ET.Element) -> QuerySource:
    return QuerySource(
        name=text_of(element.find("name")),
        sql=text_of(element.find("sql")),
        load_from_db=element.get("loadFromDb") == "true",
        mql_group=text_of(element.find("mqlgroup")),
        mql_name=text_of(element.find("mqlname")),
    )


def _parse_parameter(element: ET.Element) -> Parameter:
    return Parameter(
        name=element.get("name", ""),
        default=element.get("default", ""),
        active=element.get("active") == "true",
        type=element.get("type", ""),
    )


def _parse_detail_section(element: ET.Element) -> DetailSection | None:
    name = text_of(element.find("name"))
    detail_element = element.find("detail")
    key_element = detail_element.find("key") if detail_element is not None else None
    if detail_element is None or key_element is None or key_element.find("query") is None:
        log.warning("Skipping detail section %r: it has no <detail> with a <key> query", name)
        return None
    key = DataRef(
        query=text_of(key_element.find("query")), column=text_of(key_element.find("column"))
    )
    groups = [_parse_group(g) for g in element.findall("group")]
    # Reports older than OpenRPT 3 put one group head/foot directly in the section.
    old_head, old_foot = element.find("grouphead"), element.find("groupfoot")
    if old_head is not None or old_foot is not None:
        groups.append(
            Group(
                name=name,
                column=key.column,
                head=parse_section(old_head) if old_head is not None else None,
                foot=parse_section(old_foot) if old_foot is not None else None,
            )
        )
    pagebreak = element.find("pagebreak")
    return DetailSection(
        name=name,
        key=key,
        detail=parse_section(detail_element),
        groups=tuple(groups),
        page_break_at_end=pagebreak is not None and pagebreak.get("when") == "at end",
    )


def _parse_group(element: ET.Element) -> Group:
    head, foot = element.find("head"), element.find("foot")
    pagebreak = element.find("pagebreak")
    return Group(
        name=text_of(element.find("name")),
        column=text_of(element.find("column")),
        head=parse_section(head) if head is not None else None,
        foot=parse_section(foot) if foot is not None else None,
        page_break_after_foot=pagebreak is not None and pagebreak.get("when") == "after foot",
    )


def parse_section(element: ET.Element) -> Section:
    """Parse a band (rpthead, pghead, detail, group head…) and its elements."""
    background: list[Element] = []
    foreground: list[Element] = []
    height = 0.0
    for child in element:
        if child.tag == "height":
            height = number(child)
        elif child.tag in PAGE_VARIANTS or child.tag == "key":
            continue
        elif child.tag in _UNSUPPORTED_ELEMENTS:
            _refuse(child.tag, _UNSUPPORTED_ELEMENTS[child.tag], _BAND_NAMES.get(element.tag, ""))
        elif child.tag == "field" and _repeats(child):
            where = _BAND_NAMES.get(element.tag, "")
            _refuse("field", "a field repeated over several cells", where)
        else:
            parsed = parse_element(child)
            if parsed is None:
                continue
            # OpenRPT draws rects and images first, under the text.
            (background if isinstance(parsed, Box | Image) else foreground).append(parsed)
    return Section(kind=element.tag, height=height, elements=tuple(background + foreground))


# Band elements OpenRPT draws and xtbatch does not, by tag.
_UNSUPPORTED_ELEMENTS: Mapping[str, str] = {"graph": "a graph", "crosstab": "a crosstab"}

_BAND_NAMES: Mapping[str, str] = {
    "rpthead": "the report header",
    "rptfoot": "the report footer",
    "pghead": "a page header",
    "pgfoot": "a page footer",
    "detail": "a detail band",
    "head": "a group header",
    "grouphead": "a group header",
    "foot": "a group footer",
    "groupfoot": "a group footer",
}


def _refuse(tag: str, what: str, where: str) -> None:
    place = f" in {where}" if where else ""
    raise ReportElementUnsupported(
        f"The report uses <{tag}> ({what}{place}), which xtbatch cannot print yet.\n"
        "Print this report from the xTuple desktop client, or remove the element from the "
        "report definition."
    )


def _refuse_background(element: ET.Element) -> None:
    """Refuse a background image that OpenRPT would draw (it has an image and opacity)."""
    data = element.find("data")
    dynamic = data is not None and all(text_of(data.find(tag)) for tag in ("query", "column"))
    opacity = number(element.find("opacity"), 25.0)  # OpenRPT's default opacity
    if (dynamic or text_of(element.find("image")).strip()) and opacity > 0:
        _refuse(element.tag, "a background image on every page", "")


def _repeats(element: ET.Element) -> bool:
    """Whether a field repeats over several cells (OpenRPT's <lines>/<columns>)."""
    return number(element.find("lines"), 1.0) > 1 or number(element.find("columns"), 1.0) > 1
