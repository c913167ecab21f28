"""Click's own messages (usage errors, "Usage:", "Error: ...") in plain pt-BR for the operators.

Click marks its texts with gettext (``_()`` / ``ngettext()`` imported into each of its modules) and
fills the ``{placeholders}`` afterwards; :func:`click_in_pt_br` swaps those two functions, for the
duration of one ``smartmeter`` run only, for a lookup of Click's English text in ``CLICK_KEYS``
and the catalogue (``assistant/messages/pt_BR/cli.toml``). A text not mapped stays as Click wrote it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from assistant.i18n import catalogue

#: Click's English message id → catalogue key (plural pairs: the key's ``.one`` / ``.other``).
CLICK_KEYS: dict[str, str] = {
    "Error: {message}": "cli.click.error",
    "Try '{command} {option}' for help.": "cli.click.try_help",
    "Usage:": "cli.click.usage",
    "Options": "cli.click.options",
    "Commands": "cli.click.commands",
    "Positional arguments": "cli.click.positional_arguments",
    "Show this message and exit.": "cli.click.show_help",
    "default: {default}": "cli.click.default",
    "env var: {var}": "cli.click.env_var",
    "required": "cli.click.required",
    "Aborted!": "cli.click.aborted",
    "Missing argument": "cli.click.missing_argument",
    "Missing option": "cli.click.missing_option",
    "Missing parameter": "cli.click.missing_parameter",
    "Missing {param_type}": "cli.click.missing_kind",
    "Missing parameter: {param_name}": "cli.click.missing_parameter_name",
    "Missing command.": "cli.click.missing_command",
    "Invalid value for {param_hint}: {message}": "cli.click.invalid_value_for",
    "Invalid value: {message}": "cli.click.invalid_value",
    "No such option {name!r}.": "cli.click.no_such_option",
    "No such command {name!r}.": "cli.click.no_such_command",
    "Did you mean {possibility}?": "cli.click.did_you_mean.one",
    "(Did you mean one of: {possibilities}?)": "cli.click.did_you_mean.other",
    "Option {name!r} does not take a value.": "cli.click.no_value_taken",
    "Option {name!r} requires an argument.": "cli.click.requires_argument.one",
    "Option {name!r} requires {nargs} arguments.": "cli.click.requires_argument.other",
    "Argument {name!r} takes {nargs} values.": "cli.click.argument_values",
    "Got unexpected extra argument ({args})": "cli.click.extra_arguments.one",
    "Got unexpected extra arguments ({args})": "cli.click.extra_arguments.other",
    "Takes {nargs} values but 1 was given.": "cli.click.takes_values.one",
    "Takes {nargs} values but {len} were given.": "cli.click.takes_values.other",
    "{value!r} is not {choice}.": "cli.click.not_choice.one",
    "{value!r} is not one of {choices}.": "cli.click.not_choice.other",
    "Choose from:\n\t{choices}": "cli.click.choose_from",
    "{value!r} does not match the format {format}.": "cli.click.not_format.one",
    "{value!r} does not match the formats {formats}.": "cli.click.not_format.other",
    "{value} is not in the range {range}.": "cli.click.not_in_range",
    "{value!r} is not a valid boolean. Recognized values: {states}": "cli.click.not_boolean",
    "{value!r} is not a valid {number_type}.": "cli.click.not_number",
    "{value!r} is not a valid UUID.": "cli.click.not_uuid",
    "file": "cli.click.file",
    "directory": "cli.click.directory",
    "path": "cli.click.path",
    "{name} {filename!r} is a file.": "cli.click.is_file",
    "{name} {filename!r} is a directory.": "cli.click.is_directory",
    "{name} {filename!r} is not readable.": "cli.click.not_readable",
    "{name} {filename!r} is not writable.": "cli.click.not_writable",
    "{name} {filename!r} is not executable.": "cli.click.not_executable",
    "{name} {filename!r} does not exist.": "cli.click.does_not_exist",
    "Could not open file {filename!r}: {message}": "cli.click.cannot_open",
    "unknown error": "cli.click.unknown_failure",
}

#: Click's modules that bind ``_`` / ``ngettext`` at import (``from gettext import gettext as _``).
_CLICK_MODULES = ("core", "exceptions", "parser", "types", "formatting", "decorators", "termui", "utils")


def gettext(message: str) -> str:
    """The pt-BR template of one of Click's texts (the text itself when it is not mapped)."""
    key = CLICK_KEYS.get(message)
    return catalogue().get(key, message) if key else message


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


@contextmanager
def click_in_pt_br() -> Iterator[None]:
    """Click speaks pt-BR inside the block; its own functions are put back afterwards."""
    saved: list[tuple[Any, str, Any]] = []
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        for attr, ours in (("_", gettext), ("ngettext", ngettext)):
            if hasattr(module, attr):
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, ours)
    try:
        yield
    finally:
        for module, attr, original in reversed(saved):
            setattr(module, attr, original)


class PtBrGroup(click.Group):
    """The ``smartmeter`` group: every run (parsing, usage errors, help) with Click in pt-BR."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with click_in_pt_br():
            return super().main(*args, **kwargs)
