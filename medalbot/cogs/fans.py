"""Fans' commands: /medals, /podium, /records, /schedule, /athlete.

Each answers from the in-memory state through QueryService, so it replies at once even while
an alert fan-out is running; a UserError becomes an ephemeral reply via the tree's handler.
Answers are in the asking fan's own language. The commands work wherever a fan is: in servers
that installed medalbot, and, for fans who installed it to their own account (Discord's
user-installable apps), in their DMs with the bot and in private channels, where no server's
settings exist (``anywhere``).
"""

from __future__ import annotations

import asyncio
import io
import re
from typing import TYPE_CHECKING, Literal, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from medalbot.cogs.answers import NO_PINGS, fan_language, reply_ephemeral
from medalbot.cogs.choices import nation_autocomplete, sport_autocomplete
from medalbot.cogs.errors import answer_error
from medalbot.domain.table import TableOrder
from medalbot.i18n import N_, flag_emoji, nation_name, pN_, translator
from medalbot.render import replies
from medalbot.render.phrases import sport_name
from medalbot.render.race_chart import race_png
from medalbot.services.queries import (
    BetweenGames,
    MedalTable,
    NationReport,
    QueryService,
    split_nations,
)

if TYPE_CHECKING:
    from medalbot.client import MedalBot

Interaction = discord.Interaction["MedalBot"]
CommandT = TypeVar("CommandT")


def anywhere(command: CommandT) -> CommandT:
    """Installable to servers and to users' accounts, usable in servers, in DMs with the bot
    and in private channels (group DMs)."""
    installs = app_commands.allowed_installs(guilds=True, users=True)
    contexts = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    return installs(contexts(command))


async def only_the_asker(interaction: Interaction, owner_id: int) -> bool:
    """A page button turns only for who asked; anyone else is told to ask for their own."""
    if interaction.user.id == owner_id:
        return True
    locale = fan_language(interaction)
    await reply_ephemeral(
        interaction, translator(locale).gettext("Use /medals to get your own table.")
    )
    return False


def fans_cog(interaction: Interaction) -> Fans:
    cog = interaction.client.get_cog("Fans")
    assert isinstance(cog, Fans), "the Fans cog registers the page buttons"
    return cog


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"medals:(?P<order>medals|total):(?P<page>[0-9]+):(?P<owner>[0-9]+):(?P<way>prev|next)",
):
    """◀ or ▶ under a medal table: the order, the page it turns to and who asked live in the
    custom id, so the buttons keep working however long the table has been up and after the
    bot restarts; each turn shows the table as it is now. Only the person who asked may turn."""

    def __init__(
        self, order: TableOrder, page: int, owner_id: int, way: str, *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀" if way == "prev" else "▶",
                style=discord.ButtonStyle.secondary,
                custom_id=f"medals:{order}:{page}:{owner_id}:{way}",
                disabled=disabled,
            )
        )
        self.order: TableOrder = order
        self.page = page
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: Interaction,
        item: discord.ui.Button[discord.ui.View],
        match: re.Match[str],
    ) -> PageButton:
        order: TableOrder = "total" if match["order"] == "total" else "medals"
        return cls(order, int(match["page"]), int(match["owner"]), match["way"])

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        return await only_the_asker(interaction, self.owner_id)

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        fans = fans_cog(interaction)
        # discord.py only logs what a button's callback raises, leaving the user with "This
        # interaction failed": answer it as a command's error is (a UserError such as no state
        # yet after a restart, or an apology with the traceback logged).
        try:
            embed, view = await fans.table_page(interaction, self.order, self.page, self.owner_id)
        except Exception as exc:  # noqa: BLE001 - answer_error logs it with its traceback
            await answer_error(interaction, exc)
            return
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)


class NationPageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"nation:(?P<noc>[A-Z]{3}):(?P<page>[0-9]+):(?P<owner>[0-9]+):(?P<way>prev|next)",
):
    """◀ or ▶ under one nation's medals, stateless like :class:`PageButton`: the nation, the
    page and who asked live in the custom id; each turn shows the medals as they are now."""

    def __init__(
        self, noc: str, page: int, owner_id: int, way: str, *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀" if way == "prev" else "▶",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nation:{noc}:{page}:{owner_id}:{way}",
                disabled=disabled,
            )
        )
        self.noc = noc
        self.page = page
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: Interaction,
        item: discord.ui.Button[discord.ui.View],
        match: re.Match[str],
    ) -> NationPageButton:
        return cls(match["noc"], int(match["page"]), int(match["owner"]), match["way"])

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        return await only_the_asker(interaction, self.owner_id)

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        cog = fans_cog(interaction)
        try:  # answered as a command's error is (see PageButton.callback)
            locale = fan_language(interaction)
            report = cog.queries.nation(self.noc)
            embed, view = cog.nation_page(report, self.page, self.owner_id, locale)
        except Exception as exc:  # noqa: BLE001 - answer_error logs it with its traceback
            await answer_error(interaction, exc)
            return
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)


def table_view(table: MedalTable, page: int, owner_id: int) -> discord.ui.View:
    last = replies.pages(table) - 1
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(table.order, max(page - 1, 0), owner_id, "prev", disabled=page <= 0))
    view.add_item(
        PageButton(table.order, min(page + 1, last), owner_id, "next", disabled=page >= last)
    )
    return view


class Fans(commands.Cog):
    def __init__(self, bot: MedalBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton, NationPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton, NationPageButton)

    @property
    def queries(self) -> QueryService:
        return self.bot.services.queries

    def _highlight(self, interaction: Interaction) -> str | None:
        """The nation the server follows, starred in the table."""
        if interaction.guild_id is None:
            return None
        return self.bot.services.subscriptions.followed_nation(interaction.guild_id)

    @anywhere
    @app_commands.command(
        name=pN_("command name", "medals"),
        description=N_("The medal table, one nation's medals, or the medal race"),
    )
    @app_commands.describe(
        nation=N_("A nation (three-letter code) to see its medals"),
        order=N_("How to rank nations"),
        view=N_("The table (the default) or a chart of the medal race day by day"),
        nations=N_("For the race: nations to draw, e.g. GBR FRA NED (default: those you follow)"),
    )
    @app_commands.rename(
        nation=pN_("command name", "nation"),
        order=pN_("command name", "order"),
        view=pN_("command name", "view"),
        nations=pN_("command name", "nations"),
    )
    @app_commands.choices(
        order=[
            app_commands.Choice(name=N_("Gold first (IOC)"), value="medals"),
            app_commands.Choice(name=N_("Total medals"), value="total"),
        ],
        view=[
            app_commands.Choice(name=N_("Medal table"), value="table"),
            app_commands.Choice(name=N_("Medal race (chart)"), value="race"),
        ],
    )
    async def medals(
        self,
        interaction: Interaction,
        nation: str | None = None,
        order: Literal["medals", "total"] = "medals",
        view: Literal["table", "race"] = "table",
        nations: str | None = None,
    ) -> None:
        locale = fan_language(interaction)
        if view == "race":
            await self.race(
                interaction, [*([nation] if nation else []), *split_nations(nations or "")]
            )
            return
        if nation:
            report = self.queries.nation(nation)
            embed, buttons = self.nation_page(report, 0, interaction.user.id, locale)
            if buttons is None:
                await interaction.response.send_message(embed=embed, allowed_mentions=NO_PINGS)
            else:
                await interaction.response.send_message(
                    embed=embed, view=buttons, allowed_mentions=NO_PINGS
                )
            return
        embed, buttons = await self.table_page(interaction, order, 0, interaction.user.id)
        await interaction.response.send_message(
            embed=embed, view=buttons, allowed_mentions=NO_PINGS
        )

    async def race(self, interaction: Interaction, nations: list[str]) -> None:
        """The medal race chart: the nations named, else those the server follows, else the
        leaders. Drawn in a worker thread, so the event loop keeps answering meanwhile."""
        locale = fan_language(interaction)
        if not nations and interaction.guild_id is not None:
            nations = list(self.bot.services.subscriptions.followed_nations(interaction.guild_id))
        race = self.queries.race(nations)
        await interaction.response.defer(thinking=True)
        png = await asyncio.to_thread(race_png, race, locale=locale)
        await interaction.followup.send(
            embed=replies.race_embed(race, locale=locale),
            file=discord.File(io.BytesIO(png), filename=replies.RACE_FILE),
            allowed_mentions=NO_PINGS,
        )

    medals.autocomplete("nation")(nation_autocomplete)

    def nation_page(
        self, report: NationReport, page: int, owner_id: int, locale: str
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        """A page of one nation's medals, with buttons when there is more than one page."""
        pages = len(replies.nation_medal_pages(report, locale=locale))
        page = min(max(page, 0), pages - 1)  # the nation may have lost a medal (a correction)
        embed = replies.nation_embed(report, page, locale=locale)
        if pages == 1:
            return embed, None
        view = discord.ui.View(timeout=None)
        view.add_item(
            NationPageButton(report.noc, max(page - 1, 0), owner_id, "prev", disabled=page <= 0)
        )
        view.add_item(
            NationPageButton(
                report.noc, min(page + 1, pages - 1), owner_id, "next", disabled=page >= pages - 1
            )
        )
        return embed, view

    async def table_page(
        self, interaction: Interaction, order: TableOrder, page: int, owner_id: int
    ) -> tuple[discord.Embed, discord.ui.View]:
        """A page of the medal table as it is now, with the buttons to turn it."""
        table = self.queries.medal_table(order)
        page = min(page, replies.pages(table) - 1)  # the table may have shrunk (a correction)
        embed = replies.medal_table_embed(
            table,
            page,
            locale=fan_language(interaction),
            highlight_noc=self._highlight(interaction),
        )
        return embed, table_view(table, page, owner_id)

    @anywhere
    @app_commands.command(name=pN_("command name", "podium"), description=N_("An event's podium"))
    @app_commands.describe(event=N_("Start typing a sport or an event"))
    @app_commands.rename(event=pN_("command name", "event"))
    async def podium(self, interaction: Interaction, event: str) -> None:
        locale = fan_language(interaction)
        result = self.queries.podium(event)
        since = self.queries.status_since(result.event.code)
        await interaction.response.send_message(
            embed=replies.podium_embed(result, locale=locale, status_since=since),
            allowed_mentions=NO_PINGS,
        )

    @podium.autocomplete("event")
    async def _event_ac(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=label, value=code)
            for label, code in self.queries.event_choices(current)
        ]

    @anywhere
    @app_commands.command(
        name=pN_("command name", "records"), description=N_("Records set at these Games")
    )
    @app_commands.describe(sport=N_("Only this sport"))
    @app_commands.rename(sport=pN_("command name", "sport"))
    async def records(self, interaction: Interaction, sport: str | None = None) -> None:
        locale = fan_language(interaction)
        sport = self.queries.resolve_sport(sport) if sport else None  # as the feed names it
        found = self.queries.records(sport)
        await interaction.response.send_message(
            embed=replies.records_embed(found, locale=locale, sport=sport),
            allowed_mentions=NO_PINGS,
        )

    records.autocomplete("sport")(sport_autocomplete)

    @anywhere
    @app_commands.command(
        name=pN_("command name", "schedule"), description=N_("Medal events still to come")
    )
    @app_commands.describe(nation=N_("Only events with this nation"), sport=N_("Only this sport"))
    @app_commands.rename(nation=pN_("command name", "nation"), sport=pN_("command name", "sport"))
    async def schedule(
        self, interaction: Interaction, nation: str | None = None, sport: str | None = None
    ) -> None:
        locale = fan_language(interaction)
        t = translator(locale)
        title = t.gettext("Medal events to come")
        # between Games: when the next start, not an empty list (medalbot.domain.between_games)
        between = self.queries.between_games()
        if between is not None and (between.finished or between.last_games is None):
            await self._between_games(interaction, between, locale, title)
            return
        # a typed name ("netherlands", "speed skating") becomes the code or name of the feed
        noc = self.queries.resolve_nation(nation) if nation else None
        sport = self.queries.resolve_sport(sport) if sport else None
        events = self.queries.schedule(noc=noc, sport=sport)
        if not events and between is not None:
            await self._between_games(interaction, between, locale, title)
            return
        if noc:
            title += f" · {flag_emoji(noc)} {nation_name(noc, locale)}"
        if sport:
            title += f" · {sport_name(sport, t)}"
        await interaction.response.send_message(
            embed=replies.schedule_embed(events, locale=locale, title=title),
            allowed_mentions=NO_PINGS,
        )

    async def _between_games(
        self, interaction: Interaction, between: BetweenGames, locale: str, title: str
    ) -> None:
        await interaction.response.send_message(
            embed=replies.between_games_embed(between, locale=locale, title=title),
            allowed_mentions=NO_PINGS,
        )

    schedule.autocomplete("nation")(nation_autocomplete)
    schedule.autocomplete("sport")(sport_autocomplete)

    @anywhere
    @app_commands.command(
        name=pN_("command name", "athlete"),
        description=N_("An athlete's medals and records at these Games"),
    )
    @app_commands.describe(name=N_("Start typing a name"))
    @app_commands.rename(name=pN_("command name", "name"))
    async def athlete(self, interaction: Interaction, name: str) -> None:
        locale = fan_language(interaction)
        summary = self.queries.athlete(name)
        await interaction.response.send_message(
            embed=replies.athlete_embed(summary, locale=locale), allowed_mentions=NO_PINGS
        )

    @athlete.autocomplete("name")
    async def _athlete_ac(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=f"{m.name} ({m.noc})"[:100], value=f"{m.name}|{m.noc}"[:100])
            for m in self.queries.athlete_choices(current)
        ]


async def setup(bot: MedalBot) -> None:
    await bot.add_cog(Fans(bot))
