"""The bodies of olympics.com's competition API, as msgspec structs.

Strict where a wrong value would announce something wrong (medal types, booleans, the shape of
the table); tolerant of fields the site adds (every struct ignores unknown fields) and of the
differences between Games (Paris rows carry no ``organisation``, no gender, no class).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta, Struct

MedalType = Literal["ME_GOLD", "ME_SILVER", "ME_BRONZE"]
Count = Annotated[int, Meta(ge=0)]
AwareDatetime = Annotated[datetime, Meta(tz=True)]


class MedalRow(Struct, frozen=True):
    """One medal in ``medalWinners``: an athlete's (``competitorType`` A) or a team's (T)."""

    disciplineCode: str
    eventCode: Annotated[str, Meta(min_length=1)]
    eventDescription: str
    medalType: MedalType
    competitorCode: str
    competitorDisplayName: str
    eventCategory: str = ""
    official: bool = True
    competitorType: str = "A"
    competitorOrder: int = 0
    competitorDisplayTvName: str = ""
    date: str = ""
    organisation: str = ""  # 2026 on; Paris rows take the parent row's
    # "class" is a keyword: the Paralympic sport class of the athlete (LW12-2, AS2, SB-LL1)
    sport_class: str = msgspec.field(default="", name="class")
    guideNames: tuple[str, ...] = ()


class Discipline(Struct, frozen=True):
    code: str
    name: str
    medalWinners: tuple[MedalRow, ...] = ()


class MedalsNumber(Struct, frozen=True):
    type: str
    gold: Count
    silver: Count
    bronze: Count
    total: Count


class TableRow(Struct, frozen=True):
    """One NOC's line of the site's medal table."""

    organisation: Annotated[str, Meta(min_length=1)]
    medalsNumber: tuple[MedalsNumber, ...]
    description: str = ""
    rank: int | None = None
    rankEqual: bool = False
    disciplines: tuple[Discipline, ...] = ()

    def totals(self) -> MedalsNumber | None:
        """The entry of type Total (the order of the entries varies)."""
        for entry in self.medalsNumber:
            if entry.type == "Total":
                return entry
        return None


class EventInfo(Struct, frozen=True):
    dateTime: AwareDatetime
    totalEvents: Count = 0
    finishedEvents: Count = 0
    lastEvents: str = ""


class MedalStandings(Struct, frozen=True):
    eventInfo: EventInfo
    medalsTable: tuple[TableRow, ...]


class MedalsBody(Struct, frozen=True):
    """``competition/api/{LANG}/medals``."""

    medalStandings: MedalStandings
    competitionCode: str = ""  # always empty: the Games is known from the URL


class AthleteMedal(Struct, frozen=True):
    medalType: MedalType
    event: Annotated[str, Meta(min_length=1)]
    eventName: str = ""
    category: str = ""
    date: str = ""
    disciplineName: str = ""
    official: bool = True


class Athlete(Struct, frozen=True):
    organisation: Annotated[str, Meta(min_length=1)]
    code: str
    fullName: str
    tvName: str = ""
    medals: tuple[AthleteMedal, ...] = ()


class MedallistsInfo(Struct, frozen=True):
    lastUpdateOdfTime: AwareDatetime | None = None


class MedallistsBody(Struct, frozen=True):
    """``competition/api/{LANG}/medallists``: every medallist with their medals."""

    athletes: tuple[Athlete, ...]
    info: MedallistsInfo = MedallistsInfo()
    competitionCode: str = ""


class ScheduleUnit(Struct, frozen=True):
    """One unit (a race, a game, a final) of a day's schedule. No saved response exists: the
    shape is the one fans' parsers document (docs/feeds.md)."""

    eventCode: Annotated[str, Meta(min_length=1)]
    startDate: AwareDatetime | None = None
    endDate: AwareDatetime | None = None
    status: str = ""  # SCHEDULED, GETTING_READY, RUNNING, SCHEDULED_BREAK, FINISHED, ...
    medalFlag: int = 0  # 0: no medal; 1: the gold medal unit; 3: the bronze medal unit
    disciplineName: str = ""
    eventName: str = ""
    phaseName: str = ""


class ScheduleBody(Struct, frozen=True):
    """``schedules/api/{LANG}/schedule/lite/day/{YYYY-MM-DD}``: one day's units."""

    units: tuple[ScheduleUnit, ...]


class AnyBody(Struct, frozen=True):
    """Which of the bodies this is, without decoding any yet."""

    medalStandings: msgspec.Raw = msgspec.Raw()  # empty when absent
    athletes: msgspec.Raw = msgspec.Raw()
    units: msgspec.Raw = msgspec.Raw()


MEDALS_DECODER: Final = msgspec.json.Decoder(MedalsBody, strict=True)
MEDALLISTS_DECODER: Final = msgspec.json.Decoder(MedallistsBody, strict=True)
SCHEDULE_DECODER: Final = msgspec.json.Decoder(ScheduleBody, strict=True)
ANY_DECODER: Final = msgspec.json.Decoder(AnyBody)
