"""Fans' commands: /medals, /podium, /records, /schedule, /athlete.

Each answers from the in-memory state through QueryService, so it replies at once even while
an alert fan-out is running; a UserError becomes an ephemeral reply via the tree's handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from medalbot.cogs import replies
from medalbot.cogs.choices import nation_choices, sport_choices
from medalbot.i18n import flag_emoji, nation_name, translator
from medalbot.services.queries import MedalTable, QueryService

if TYPE_CHECKING:
    from medalbot.bot import MedalBot

Interaction = discord.Interaction["MedalBot"]
NO_PINGS = discord.AllowedMentions.none()


class TablePages(discord.ui.View):
    """Buttons to turn the medal table's pages; only the person who asked may turn them."""

    def __init__(
        self, table: MedalTable, *, owner_id: int, locale: str, highlight: str | None
    ) -> None:
        super().__init__(timeout=600)
        self.table = table
        self.owner_id = owner_id
        self.locale = locale
        self.highlight = highlight
        self.page = 0
        self._sync_buttons()

    def embed(self) -> discord.Embed:
        return replies.medal_table_embed(
            self.table, self.page, locale=self.locale, highlight_noc=self.highlight
        )

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= replies.pages(self.table) - 1

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                translator(self.locale).gettext("Use /medals to get your own table."),
                ephemeral=True,
            )
            return False
        return True

    async def _turn(self, interaction: Interaction, step: int) -> None:
        self.page = min(max(self.page + step, 0), replies.pages(self.table) - 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary, custom_id="medals:prev")
    async def previous(
        self, interaction: Interaction, _button: discord.ui.Button[TablePages]
    ) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary, custom_id="medals:next")
    async def next(self, interaction: Interaction, _button: discord.ui.Button[TablePages]) -> None:
        await self._turn(interaction, +1)


class Fans(commands.Cog):
    def __init__(self, bot: MedalBot) -> None:
        self.bot = bot

    @property
    def queries(self) -> QueryService:
        return self.bot.services.queries

    async def _locale(self, interaction: Interaction) -> str:
        return await self.bot.services.guilds.locale(interaction.guild_id, interaction.locale.value)

    async def _highlight(self, interaction: Interaction) -> str | None:
        if interaction.guild_id is None:
            return None
        return self.bot.services.subscriptions.followed_nation(interaction.guild_id)

    @app_commands.command(name="medals", description="The medal table, or one nation's medals")
    @app_commands.describe(
        nation="A nation (three-letter code) to see its medals", order="How to rank nations"
    )
    @app_commands.choices(
        order=[
            app_commands.Choice(name="Gold first (IOC)", value="medals"),
            app_commands.Choice(name="Total medals", value="total"),
        ]
    )
    async def medals(
        self,
        interaction: Interaction,
        nation: str | None = None,
        order: Literal["medals", "total"] = "medals",
    ) -> None:
        locale = await self._locale(interaction)
        if nation:
            report = self.queries.nation(nation)
            await interaction.response.send_message(
                embed=replies.nation_embed(report, locale=locale), allowed_mentions=NO_PINGS
            )
            return
        view = TablePages(
            self.queries.medal_table(order),
            owner_id=interaction.user.id,
            locale=locale,
            highlight=await self._highlight(interaction),
        )
        await interaction.response.send_message(
            embed=view.embed(), view=view, allowed_mentions=NO_PINGS
        )

    @medals.autocomplete("nation")
    async def _nation_ac(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return nation_choices(self.bot, current, await self._locale(interaction))

    @app_commands.command(name="podium", description="An event's podium")
    @app_commands.describe(event="Start typing a sport or an event")
    async def podium(self, interaction: Interaction, event: str) -> None:
        locale = await self._locale(interaction)
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

    @app_commands.command(name="records", description="Records set at these Games")
    @app_commands.describe(sport="Only this sport")
    async def records(self, interaction: Interaction, sport: str | None = None) -> None:
        locale = await self._locale(interaction)
        sport = self.queries.resolve_sport(sport) if sport else None  # as the feed names it
        found = self.queries.records(sport)
        await interaction.response.send_message(
            embed=replies.records_embed(found, locale=locale, sport=sport),
            allowed_mentions=NO_PINGS,
        )

    @records.autocomplete("sport")
    async def _records_sport_ac(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return sport_choices(self.bot, current)

    @app_commands.command(name="schedule", description="Medal events still to come")
    @app_commands.describe(nation="Only events with this nation", sport="Only this sport")
    async def schedule(
        self, interaction: Interaction, nation: str | None = None, sport: str | None = None
    ) -> None:
        locale = await self._locale(interaction)
        t = translator(locale)
        # a typed name ("netherlands", "speed skating") becomes the code or name of the feed
        noc = self.queries.resolve_nation(nation) if nation else None
        sport = self.queries.resolve_sport(sport) if sport else None
        events = self.queries.schedule(noc=noc, sport=sport)
        title = t.gettext("Medal events to come")
        if noc:
            title += f" · {flag_emoji(noc)} {nation_name(noc, locale)}"
        if sport:
            title += f" · {sport}"
        await interaction.response.send_message(
            embed=replies.schedule_embed(events, locale=locale, title=title),
            allowed_mentions=NO_PINGS,
        )

    @schedule.autocomplete("nation")
    async def _schedule_nation_ac(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return nation_choices(self.bot, current, await self._locale(interaction))

    @schedule.autocomplete("sport")
    async def _schedule_sport_ac(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return sport_choices(self.bot, current)

    @app_commands.command(
        name="athlete", description="An athlete's medals and records at these Games"
    )
    @app_commands.describe(name="Start typing a name")
    async def athlete(self, interaction: Interaction, name: str) -> None:
        locale = await self._locale(interaction)
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
