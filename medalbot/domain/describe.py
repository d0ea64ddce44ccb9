"""One line of plain text per alert: the CLI's human output and the logs' summary."""

from __future__ import annotations

from medalbot.domain.alerts import Alert, CorrectionAlert, MedalAlert, MedalWon, RecordSet

_MEDAL_WORD = {"gold": "GOLD", "silver": "SILVER", "bronze": "BRONZE"}


def _medal(m: MedalWon) -> str:
    mark = f" {m.mark}" if m.mark else ""
    return f"{_MEDAL_WORD[m.medal.value]} {m.name} ({m.noc}){mark}"


def _record(r: RecordSet) -> str:
    verb = "equals" if r.equalled else "beats"
    text = f"{r.type} {r.mark} {r.name} ({r.noc})"
    if r.beats is not None:
        where = " earlier in this event" if r.beats.in_this_event else ""
        text += f" — {verb} {r.beats.mark} by {r.beats.name} ({r.beats.noc}){where}"
    elif r.equalled:
        text += " — equalled"
    return text


def _subject(x: MedalWon | RecordSet) -> str:
    return _medal(x) if isinstance(x, MedalWon) else _record(x)


def describe_alert(alert: Alert) -> str:
    head = f"[{alert.sequence}] {alert.event} {alert.sport} · {alert.event_name}"
    if isinstance(alert, MedalAlert):
        return f"{head}: MEDALS " + "; ".join(_medal(m) for m in alert.medals)
    if isinstance(alert, CorrectionAlert):
        before = "; ".join(_subject(x) for x in alert.before) or "nothing"
        after = "; ".join(_subject(x) for x in alert.after) or "nothing"
        return f"{head}: CORRECTION {before} → {after}"
    return f"{head}: RECORD {_record(alert.record)}"
