"""Errors whose message is written for the person who asked (shown as an ephemeral reply)."""

from __future__ import annotations

from medalbot.i18n import DEFAULT_LOCALE, translator


class UserError(Exception):
    """A request we refuse or cannot answer, told in the language of the server that asked.

    ``template`` is an English gettext message marked with ``N_`` where it is raised, so the
    catalogues pick it up, with ``{named}`` placeholders filled from ``values``::

        raise UserError(N_("No nation “{noc}” takes part in these Games."), noc=noc)

    Values are shown as given (names, codes, numbers); a sentence that reads differently with
    or without a part is two messages, not one message plus a fragment.
    """

    def __init__(self, template: str, /, **values: str | int) -> None:
        self.template = template
        self.values = values
        super().__init__(self.text(DEFAULT_LOCALE))

    def text(self, locale: str | None) -> str:
        """The reply in ``locale`` (a supported locale, or English)."""
        translated = translator(locale).gettext(self.template)
        # Without values the template is shown as it is: braces in it are then plain text.
        return translated.format(**self.values) if self.values else translated

    @property
    def message(self) -> str:
        """The reply in English (for logs)."""
        return self.text(DEFAULT_LOCALE)
