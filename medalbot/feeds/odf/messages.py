"""ODF XML → typed messages, with defusedxml (never the standard library parser directly).

Only the message types that carry medals and records are read (see ``ODF.md``); others are
recognised and skipped. Every value that reaches the domain model is checked here, so a bad
message is refused with a reason naming it, before it can touch the accumulated state.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from typing import Final, TypeVar
from xml.etree.ElementTree import Element, ParseError, tostring

import defusedxml
import defusedxml.ElementTree as SafeET
import msgspec
from msgspec import Struct

from medalbot.domain.models import (
    Competitor,
    EventStatus,
    Medal,
    RecordFlag,
    Result,
    StandingRecord,
)
from medalbot.feeds.errors import FeedRejected
from medalbot.feeds.odf.codes import (
    IRM_STATUSES,
    MEDALS,
    RESULT_STATUSES,
    event_code,
    is_rsc,
    names_an_event,
    phase_code,
)

log = logging.getLogger(__name__)

SUPPORTED_TYPES: Final = frozenset({"DT_RESULT", "DT_MEDALLISTS", "DT_RECORD"})
_NOC: Final = re.compile(r"^[A-Z]{3}$")
_MAX_GAMES_CODE: Final = 32  # GamesInfo.code
_MAX_DIGITS: Final = 18  # below 2**63
_MAX_DEPTH: Final = 32
_S = TypeVar("_S", bound=Struct)


class Header(Struct, frozen=True):
    document_code: str
    document_type: str
    document_subcode: str
    version: int
    competition: str | None

    @property
    def key(self) -> tuple[str, str, str]:
        """What a newer version replaces: one document of one type about one code."""
        return (self.document_code, self.document_type, self.document_subcode)

    @property
    def label(self) -> str:
        return f"{self.document_type} {self.document_code} v{self.version}"


class UnitEntry(Struct, frozen=True):
    """One competitor's line in an event unit's results; ``key`` is the ODF competitor code."""

    key: str
    result: Result


class UnitResults(Struct, frozen=True):
    header: Header
    event: str
    phase: str
    status: EventStatus
    entries: tuple[UnitEntry, ...]


class Medallist(Struct, frozen=True):
    key: str
    medal: Medal
    competitor: Competitor


class EventMedallists(Struct, frozen=True):
    header: Header
    event: str
    medallists: tuple[Medallist, ...]


class Records(Struct, frozen=True):
    header: Header
    records: tuple[StandingRecord, ...]


Message = UnitResults | EventMedallists | Records


def message_elements(body: bytes) -> list[Element]:
    """The ``OdfBody`` elements of a body: one message, or a wrapper (e.g. ``<OdfBatch>``)
    whose children are all ``OdfBody``. Raises ``FeedRejected`` for anything else."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except defusedxml.DTDForbidden as exc:
        raise FeedRejected("XML with a DTD is refused (ODF messages have none)") from exc
    except defusedxml.DefusedXmlException as exc:
        raise FeedRejected(f"unsafe XML refused: {exc}") from exc
    except ParseError as exc:
        raise FeedRejected(f"malformed XML: {exc}") from exc
    except (LookupError, ValueError) as exc:  # the declared encoding: unknown, or unsupported
        raise FeedRejected(f"unreadable XML encoding: {exc}") from exc
    _check_depth(root)
    if _local(root.tag) == "OdfBody":
        return [root]
    children = list(root)
    if children and all(_local(child.tag) == "OdfBody" for child in children):
        return children
    raise FeedRejected(
        f"unsupported root element <{_local(root.tag)}> "
        "(expected <OdfBody> or a wrapper of <OdfBody> elements)"
    )


def _check_depth(root: Element) -> None:
    """Refuse deep nesting, level by level: serialising a message again (``message_xml``)
    recurses once per level and would hit the interpreter's recursion limit."""
    level, depth = [root], 1
    while level:
        if depth > _MAX_DEPTH:
            raise FeedRejected(f"XML nested deeper than {_MAX_DEPTH} levels (ODF needs about 10)")
        level = [child for node in level for child in node]
        depth += 1


def message_xml(element: Element) -> str:
    """One message as XML text, to be read again by ``message_elements`` (namespaces kept).
    Writing XML parses nothing, so the standard library's serialiser is safe here."""
    return tostring(element, encoding="unicode")


def parse_message(element: Element, *, record_types: Collection[str]) -> Message | None:
    """One ``OdfBody``, or None for a message medalbot does not read (other types, tests)."""
    document_type = element.get("DocumentType", "")
    if document_type not in SUPPORTED_TYPES:
        return None
    if element.get("FeedFlag", "P") == "T":
        log.debug("skipping test message %s %s", document_type, element.get("DocumentCode"))
        return None
    header = _header(element, document_type)
    competition = _child(element, "Competition")
    if competition is None:
        raise FeedRejected(f"{header.label}: no <Competition> element")
    if document_type == "DT_RESULT":
        return _unit_results(element, header, competition, record_types)
    if document_type == "DT_MEDALLISTS":
        return _medallists(header, competition)
    return _records(header, competition, record_types)


def _header(element: Element, document_type: str) -> Header:
    code = element.get("DocumentCode", "")
    where = f"{document_type} {code or '(no DocumentCode)'}"
    if not is_rsc(code):
        raise FeedRejected(f"{where}: DocumentCode {code!r} is not an RSC")
    version = element.get("Version", "")
    number = _whole_number(version)
    if number is None:
        raise FeedRejected(f"{where}: Version {version!r} is not a whole number")
    competition = element.get("CompetitionCode")
    if competition is None:  # older messages carry it on <Competition Code="...">
        body = _child(element, "Competition")
        competition = body.get("Code") if body is not None else None
    if competition is not None and not 0 < len(competition) <= _MAX_GAMES_CODE:
        raise FeedRejected(f"{where}: CompetitionCode {competition!r} is not a Games code")
    return Header(
        document_code=code,
        document_type=document_type,
        document_subcode=element.get("DocumentSubcode", ""),
        version=number,
        competition=competition,
    )


def _unit_results(
    element: Element, header: Header, competition: Element, record_types: Collection[str]
) -> UnitResults:
    _require_event(header)
    odf_status = element.get("ResultStatus", "")
    if odf_status not in RESULT_STATUSES:
        raise FeedRejected(f"{header.label}: unknown ResultStatus {odf_status!r}")
    entries = []
    for i, line in enumerate(_children(competition, "Result")):
        where = f"{header.label} Result[{i}]"
        competitor_element = _child(line, "Competitor")
        if competitor_element is None:
            raise FeedRejected(f"{where}: no <Competitor>")
        key, competitor = _competitor(competitor_element, where)
        irm = line.get("IRM")
        status = IRM_STATUSES.get(irm) if irm else None
        mark = line.get("Result") or (irm if irm and status is None else None)
        result = Result(
            competitor=competitor,
            rank=_rank(line.get("Rank"), where),
            mark=mark,
            status=status,
            records=_record_flags(line, record_types, where),
        )
        entries.append(UnitEntry(key=key, result=_checked(result, where)))
    return UnitResults(
        header=header,
        event=event_code(header.document_code),
        phase=phase_code(header.document_code),
        status=RESULT_STATUSES[odf_status],
        entries=tuple(entries),
    )


def _medallists(header: Header, competition: Element) -> EventMedallists:
    _require_event(header)
    medallists = []
    for i, medal_element in enumerate(_children(competition, "Medal")):
        where = f"{header.label} Medal[{i}]"
        code = medal_element.get("Code", "")
        if code not in MEDALS:
            raise FeedRejected(f"{where}: unknown medal code {code!r}")
        competitors = _children(medal_element, "Competitor")
        if not competitors:
            raise FeedRejected(f"{where}: no <Competitor>")
        for competitor_element in competitors:
            key, competitor = _competitor(competitor_element, where)
            medallists.append(Medallist(key=key, medal=MEDALS[code], competitor=competitor))
    return EventMedallists(
        header=header, event=event_code(header.document_code), medallists=tuple(medallists)
    )


def _records(header: Header, competition: Element, record_types: Collection[str]) -> Records:
    """Standing records: each current ``RecordData`` of a wanted record type."""
    records = []
    for record in _children(competition, "Record"):
        rsc = record.get("Code", "")
        if not (is_rsc(rsc) and names_an_event(rsc)):
            raise FeedRejected(f"{header.label}: Record Code {rsc!r} does not name an event")
        for record_type in _children(record, "RecordType"):
            code = record_type.get("Code", "")
            if code not in record_types:
                continue
            for i, data in enumerate(_children(record_type, "RecordData")):
                if data.get("Current") == "N":
                    continue  # superseded; kept by ODF for history
                where = f"{header.label} {event_code(rsc)} {code} RecordData[{i}]"
                competitor_element = _child(data, "Competitor")
                if competitor_element is None:
                    raise FeedRejected(f"{where}: no <Competitor>")
                _, holder = _competitor(competitor_element, where)
                standing = StandingRecord(
                    event=event_code(rsc),
                    type=code,
                    mark=data.get("Result", ""),
                    holder=holder,
                    date=data.get("Date"),
                    place=data.get("Place"),
                )
                records.append(_checked(standing, where))
    return Records(header=header, records=tuple(records))


def _competitor(element: Element, where: str) -> tuple[str, Competitor]:
    """An athlete or a team: ``Competitor/@Organisation`` is the NOC, names come from
    ``Composition/Athlete/Description`` and a team's ``Description/@TeamName``."""
    key = element.get("Code")
    if not key:
        raise FeedRejected(f"{where}: <Competitor> without Code")
    where = f"{where} competitor {key}"
    noc = element.get("Organisation", "")
    if not _NOC.match(noc):
        raise FeedRejected(f"{where}: Organisation must be a three-letter NOC, got {noc!r}")
    athletes = sorted(
        (a for a in _iter_path(element, "Composition", "Athlete")),
        key=lambda a: _whole_number(a.get("Order")) or 0,
    )
    names = tuple(_athlete_name(a, where) for a in athletes)
    description = _child(element, "Description")
    team_name = description.get("TeamName") if description is not None else None
    is_team = element.get("Type", "A") != "A" and (team_name is not None or len(names) != 1)
    if is_team:
        competitor = Competitor(name=team_name or noc, noc=noc, members=names)
    elif names:
        competitor = Competitor(name=names[0], noc=noc)
    else:
        raise FeedRejected(f"{where}: no athlete name (Composition/Athlete/Description)")
    return key, _checked(competitor, where)


def _athlete_name(athlete: Element, where: str) -> str:
    """``Jutta LEERDAM``: given name, then family name in capitals, as ODF prints them."""
    description = _child(athlete, "Description")
    if description is not None:
        given = description.get("GivenName", "").strip()
        family = description.get("FamilyName", "").strip()
        if family:
            return f"{given} {family.upper()}".strip()
        if description.get("PrintName"):
            return description.get("PrintName", "")
    raise FeedRejected(f"{where}: athlete {athlete.get('Code', '?')} has no name")


def _record_flags(
    line: Element, record_types: Collection[str], where: str
) -> tuple[RecordFlag, ...]:
    indicators = sorted(
        _children(line, "RecordIndicator"),
        key=lambda r: _whole_number(r.get("Order")) or 0,
    )
    flags: list[RecordFlag] = []
    for indicator in indicators:
        code = indicator.get("Code") or indicator.get("RecordType") or ""
        if code not in record_types:
            continue
        flag = RecordFlag(type=code, equalled=indicator.get("Equalled") == "Y")
        if flag not in flags:
            flags.append(_checked(flag, where))
    return tuple(flags)


def _rank(value: str | None, where: str) -> int | None:
    if value is None or value == "":
        return None
    rank = _whole_number(value)
    if rank is None or rank < 1:
        raise FeedRejected(f"{where}: Rank {value!r} is not a positive whole number")
    return rank


def _whole_number(value: str | None) -> int | None:
    """ASCII digits only (``str.isdigit`` also takes '²' and '١', which ``int`` refuses or
    reads), and few enough for the stores' BIGINT columns."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > _MAX_DIGITS:
        return None
    return int(value)


def _require_event(header: Header) -> None:
    if not names_an_event(header.document_code):
        raise FeedRejected(f"{header.label}: DocumentCode does not name an event")


def _checked(value: _S, where: str) -> _S:
    """Run the domain model's constraints (lengths, patterns), which plain construction skips."""
    try:
        return msgspec.convert(msgspec.to_builtins(value), type(value))
    except msgspec.ValidationError as exc:
        raise FeedRejected(f"{where}: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element: Element, name: str) -> list[Element]:
    return [c for c in element if _local(c.tag) == name]


def _iter_path(element: Element, *names: str) -> list[Element]:
    level = [element]
    for name in names:
        level = [c for e in level for c in _children(e, name)]
    return level
