"""Refusals (UserError) in the language of the server that asked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import medalbot
from medalbot.i18n import N_
from medalbot.services.errors import UserError
from medalbot.services.live import LiveState
from medalbot.services.queries import QueryService

PACKAGE = Path(medalbot.__file__).parent


def test_a_refusal_is_told_in_the_servers_language_with_its_values() -> None:
    error = UserError(N_("No nation “{noc}” takes part in these Games."), noc="XYZ")
    assert error.text("nl") == "Land “XYZ” doet niet mee aan deze Spelen."
    assert error.text("en") == "No nation “XYZ” takes part in these Games."
    assert error.text("de") == "Die Nation „XYZ“ nimmt nicht an diesen Spielen teil."
    assert error.text("ja") == "「XYZ」の国・地域は今大会に参加していません。"
    assert error.text("ko") == error.message == str(error)  # English where we have no language


def test_numbers_are_values_too() -> None:
    error = UserError(
        N_(
            "This server already has {limit} subscriptions, the most it can have. "
            "Remove one with /alerts unsubscribe first."
        ),
        limit=25,
    )
    assert error.text("nl").startswith("Deze server heeft al 25 abonnementen")


def test_braces_in_a_message_without_values_are_shown_as_they_are() -> None:
    assert UserError("Use {this} literally").text("nl") == "Use {this} literally"


def test_a_service_refusal_reaches_dutch() -> None:
    with pytest.raises(UserError) as caught:
        QueryService(LiveState()).snapshot()  # nothing read from the feed yet
    assert caught.value.text("nl").startswith("Nog geen uitslagen")


def _user_error_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "UserError"
    ]


def _is_marked_literal(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "N_"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def test_every_refusal_in_the_bot_is_a_marked_template() -> None:
    """An f-string or unmarked text would reach Dutch servers in English (and a user's braces
    would break formatting), so every ``UserError(...)`` takes ``N_("literal")``."""
    calls = {
        str(path.relative_to(PACKAGE)): _user_error_calls(path)
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert sum(len(found) for found in calls.values()) >= 15  # the check sees them
    unmarked = [
        f"{name}:{call.lineno}"
        for name, found in calls.items()
        for call in found
        if not call.args or not _is_marked_literal(call.args[0])
    ]
    assert unmarked == []


def test_the_marking_check_sees_an_f_string() -> None:
    (call,) = [
        node
        for node in ast.walk(ast.parse('raise UserError(f"No {x}")'))
        if isinstance(node, ast.Call)
    ]
    assert not _is_marked_literal(call.args[0])
