"""Slash commands, autocomplete, buttons and modals, as a member in a channel sees them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from discord_emulator import (
    CallbackType,
    CommandNotAvailable,
    Emulator,
    EmulatorConfig,
    InteractionResult,
    InteractionTimeout,
    ManualClock,
    running_bot,
)
from emulator_testkit import DemoWorld, EmulatorFactory, build_demo_world

BotFactory = Callable[..., commands.Bot]
COUNTRIES = {"NED": "Netherlands", "NZL": "New Zealand", "NOR": "Norway", "GER": "Germany"}
EPHEMERAL = 64


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Hup!", custom_id="vote:yes", style=discord.ButtonStyle.success)
    async def yes(
        self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]
    ) -> None:
        await interaction.response.edit_message(content=f"{interaction.user.name} voted", view=None)

    @discord.ui.button(label="Details", custom_id="vote:details")
    async def details(
        self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]
    ) -> None:
        await interaction.response.send_message("only you see this", ephemeral=True)


class LaterView(discord.ui.View):
    """Acknowledges the click first (type 6), then edits the clicked message."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Refresh", custom_id="later:refresh")
    async def refresh(
        self, interaction: discord.Interaction, button: discord.ui.Button[LaterView]
    ) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="refreshed")


class NameModal(discord.ui.Modal, title="Your name"):
    name: discord.ui.TextInput[NameModal] = discord.ui.TextInput(label="Name", custom_id="name")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Hello {self.name.value}")


class FanCog(commands.Cog):
    medals = app_commands.Group(name="medals", description="Medal tables")
    country = app_commands.Group(name="country", description="Per country", parent=medals)

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.errors: list[discord.HTTPException] = []
        self.failed = asyncio.Event()

    @medals.command(name="table", description="Show the medal table")
    async def table(
        self,
        interaction: discord.Interaction,
        country: str,
        limit: app_commands.Range[int, 1, 25] = 10,
        golds_only: bool = False,
        where: discord.TextChannel | None = None,
        ping: discord.Role | None = None,
        fan: discord.Member | None = None,
    ) -> None:
        parts = [country, str(limit), str(golds_only)]
        parts.append(where.name if where else "-")
        parts.append(ping.name if ping else "-")
        parts.append(fan.display_name if fan else "-")
        parts.append(str(interaction.permissions.manage_guild))
        parts.append(str(interaction.app_permissions.embed_links))
        parts.append(str(interaction.locale))
        await interaction.response.send_message(" ".join(parts))

    @table.autocomplete("country")
    async def country_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=name, value=code)
            for code, name in COUNTRIES.items()
            if name.lower().startswith(current.lower())
        ]

    @country.command(name="show", description="One country's medals")
    async def show(self, interaction: discord.Interaction, code: str) -> None:
        embed = discord.Embed(title=COUNTRIES[code], description="3 gold")
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="secret", description="An ephemeral answer")
    async def secret(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("psst", ephemeral=True)

    @app_commands.command(name="slow", description="Defers, follows up, edits")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("step 1")
        await interaction.edit_original_response(content="done")
        await interaction.followup.send(f"extra for {interaction.user.mention}")

    @app_commands.command(name="vote", description="A message with buttons")
    async def vote(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Who supports Oranje?", view=VoteView())

    @app_commands.command(name="board", description="A refreshable message")
    async def board(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("stale", view=LaterView())

    @app_commands.command(name="tidy", description="Edits and deletes its followups")
    async def tidy(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("working", ephemeral=True)
        note = await interaction.followup.send("temporary", wait=True)
        await note.edit(content="temporary (edited)")
        kept = await interaction.followup.send("kept", wait=True)
        await note.delete()
        await interaction.delete_original_response()
        await kept.edit(content="kept (final)")

    @app_commands.command(name="ask", description="Opens a modal")
    async def ask(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(NameModal())

    @app_commands.command(name="config", description="Moderators only")
    @app_commands.default_permissions(manage_guild=True)
    async def config(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("configured", ephemeral=True)

    @app_commands.command(name="late", description="Answers only when the test says so")
    async def late(self, interaction: discord.Interaction) -> None:
        await self.gate.wait()
        try:
            await interaction.response.send_message("too late?")
        except discord.NotFound as error:
            self.errors.append(error)
            self.failed.set()

    @app_commands.command(name="followup-later", description="Follows up when told to")
    async def followup_later(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first answer")
        await self.gate.wait()
        try:
            await interaction.followup.send("much later")
        except discord.HTTPException as error:
            self.errors.append(error)
            self.failed.set()


async def start_fan_bot(bot: commands.Bot, demo: DemoWorld) -> FanCog:
    cog = FanCog()

    async def setup_hook() -> None:
        await bot.add_cog(cog)
        bot.add_view(VoteView())
        bot.add_view(LaterView())
        await bot.tree.sync()

    # discord.py declares its hooks as methods; this one client's is replaced
    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return cog


async def test_subcommand_with_typed_options_replies(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        result = await emulator.invoke(
            "/medals table",
            {
                "country": "NED",
                "limit": 3,
                "golds_only": True,
                "where": demo.golds,
                "ping": demo.alerts_role,
                "fan": demo.fan,
            },
            member=demo.moderator,
            channel=demo.oranje,
            locale="nl",
        )
    assert result.response_type is CallbackType.CHANNEL_MESSAGE
    assert result.content == "NED 3 True golds Oranje alerts oranje_fan True True nl"
    assert not result.ephemeral
    assert result.response_latency is not None and result.response_latency < 3.0
    data = result.payload["data"]
    assert data["options"][0]["name"] == "table" and data["options"][0]["type"] == 1
    assert set(data["resolved"]) == {"channels", "roles", "users", "members"}
    (shown,) = emulator.transcript(demo.oranje)
    assert shown.content == result.content and shown.interaction_id == result.id


async def test_subcommand_group_and_embed_reply(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        result = await emulator.invoke(
            "/medals country show", {"code": "NOR"}, member=demo.fan, channel=demo.general
        )
    assert [e["title"] for e in result.embeds] == ["Norway"]
    assert result.payload["data"]["options"][0]["options"][0]["name"] == "show"


async def test_ephemeral_reply_is_seen_only_by_the_invoker(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        result = await emulator.invoke("/secret", member=demo.fan, channel=demo.oranje)
    assert result.ephemeral and result.flags & EPHEMERAL
    assert result.content == "psst"
    assert emulator.transcript(demo.oranje) == []
    assert [m.content for m in emulator.transcript(demo.oranje, viewer=demo.fan)] == ["psst"]
    assert emulator.transcript(demo.oranje, viewer=demo.moderator) == []


async def test_defer_followup_and_edit_original(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        result = await emulator.invoke(
            "/slow",
            member=demo.fan,
            channel=demo.oranje,
            until=lambda r: len(r.followups) == 2,
        )
    assert result.deferred and result.response_type is CallbackType.DEFERRED_CHANNEL_MESSAGE
    original = result.original
    assert original is not None
    # The first followup replaced the "thinking" message, then the edit replaced that.
    assert original.history[0].flags & 128  # LOADING
    assert [v.content for v in original.history[1:]] == ["step 1"]
    assert original.content == "done" and not original.loading
    # Completing a deferred response pings nobody; the second followup is a new message.
    assert not original.pings.anyone
    extra = result.followups[1]
    assert extra is not original and extra.pinged_users == {demo.fan.id}
    assert [m.content for m in emulator.transcript(demo.oranje)] == [
        "done",
        f"extra for <@{demo.fan.id}>",
    ]


async def test_autocomplete_offers_choices(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        choices = await emulator.autocomplete(
            "/medals table", "country", "n", member=demo.fan, channel=demo.oranje
        )
        none = await emulator.autocomplete(
            "/medals table", "country", "xyz", member=demo.fan, channel=demo.oranje
        )
    assert choices == [
        {"name": "Netherlands", "value": "NED"},
        {"name": "New Zealand", "value": "NZL"},
        {"name": "Norway", "value": "NOR"},
    ]
    assert none == []
    assert emulator.transcript(demo.oranje) == []


async def test_button_click_edits_the_message(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        asked = await emulator.invoke("/vote", member=demo.moderator, channel=demo.oranje)
        message = asked.original
        assert message is not None
        assert [b["custom_id"] for b in message.buttons()] == ["vote:yes", "vote:details"]
        details = await emulator.click(message, "vote:details", member=demo.fan)
        clicked = await emulator.click(message, "vote:yes", member=demo.fan)
    assert details.response_type is CallbackType.CHANNEL_MESSAGE and details.ephemeral
    assert clicked.response_type is CallbackType.UPDATE_MESSAGE
    assert message.content == "oranje_fan voted" and message.components == ()
    assert message.history[0].content == "Who supports Oranje?"
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["oranje_fan voted"]
    with pytest.raises(ValueError, match="no component"):
        await emulator.click(message, "vote:yes", member=demo.fan)


async def test_deferred_update_then_edit_original_edits_the_clicked_message(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        board = await emulator.invoke("/board", member=demo.fan, channel=demo.oranje)
        assert board.original is not None
        clicked = await emulator.click(
            board.original,
            "later:refresh",
            member=demo.moderator,
            until=lambda r: r.original is not None and r.original.edited,
        )
    assert clicked.response_type is CallbackType.DEFERRED_UPDATE_MESSAGE
    assert clicked.original is board.original
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["refreshed"]


async def test_followups_can_be_edited_and_deleted(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        result = await emulator.invoke(
            "/tidy",
            member=demo.fan,
            channel=demo.oranje,
            until=lambda r: r.followups and r.followups[-1].content == "kept (final)",
        )
    note, kept = result.followups
    assert note.deleted and note.content == "temporary (edited)"
    assert result.original is not None and result.original.deleted
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["kept (final)"]
    assert [v.content for v in kept.history] == ["kept"]


async def test_modal_round_trip(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        opened = await emulator.invoke("/ask", member=demo.fan, channel=demo.oranje)
        assert opened.response_type is CallbackType.MODAL and opened.modal is not None
        submitted = await emulator.submit_modal(opened, {"name": "Femke"}, member=demo.fan)
    assert submitted.content == "Hello Femke"


async def test_commands_a_user_cannot_run(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        with pytest.raises(CommandNotAvailable, match="hidden"):
            await emulator.invoke("/config", member=demo.fan, channel=demo.oranje)
        allowed = await emulator.invoke("/config", member=demo.moderator, channel=demo.oranje)
        assert allowed.content == "configured"
        with pytest.raises(CommandNotAvailable, match="not synced"):
            await emulator.invoke("/nope", member=demo.fan, channel=demo.oranje)
        with pytest.raises(ValueError, match="needs option 'country'"):
            await emulator.invoke("/medals table", member=demo.fan, channel=demo.oranje)
        with pytest.raises(ValueError, match="within"):
            await emulator.invoke(
                "/medals table",
                {"country": "NED", "limit": 99},
                member=demo.fan,
                channel=demo.oranje,
            )


async def test_no_answer_is_an_interaction_timeout(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    bot = bot_factory()
    cog = await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        with pytest.raises(InteractionTimeout):
            await emulator.invoke("/late", member=demo.fan, channel=demo.oranje, timeout=0.1)
        cog.gate.set()
        (late,) = emulator.interactions
        await emulator.wait_for(lambda: late.responded)
    assert late.content == "too late?"


async def test_answer_after_three_seconds_is_refused(
    emulator_factory: EmulatorFactory,
    point_discord: Callable[[Emulator], None],
    bot_factory: BotFactory,
) -> None:
    clock = ManualClock()
    emulator = await emulator_factory(EmulatorConfig(clock=clock))
    demo = build_demo_world(emulator.world)
    point_discord(emulator)
    bot = bot_factory()
    cog = await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        late: InteractionResult = await emulator.invoke(
            "/late", member=demo.fan, channel=demo.oranje, until=lambda r: True
        )
        clock.advance(3.01)
        cog.gate.set()
        await emulator.wait_for(lambda: late.rejected)
        await asyncio.wait_for(cog.failed.wait(), timeout=2)
    assert not late.responded
    assert [e.code for e in late.rejected] == [10062]
    assert [e.code for e in cog.errors] == [10062]
    assert emulator.transcript(demo.oranje) == []


async def test_followups_stop_when_the_token_expires_after_15_minutes(
    emulator_factory: EmulatorFactory,
    point_discord: Callable[[Emulator], None],
    bot_factory: BotFactory,
) -> None:
    clock = ManualClock()
    emulator = await emulator_factory(EmulatorConfig(clock=clock))
    demo = build_demo_world(emulator.world)
    point_discord(emulator)
    bot = bot_factory()
    cog = await start_fan_bot(bot, demo)
    async with running_bot(bot, emulator):
        result = await emulator.invoke("/followup-later", member=demo.fan, channel=demo.oranje)
        clock.advance(15 * 60 + 1)
        cog.gate.set()
        await asyncio.wait_for(cog.failed.wait(), timeout=2)
    assert result.content == "first answer" and result.followups == []
    assert [(e.status, e.code) for e in cog.errors] == [(401, 50027)]
