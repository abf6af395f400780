"""Data files found by folder: the shared one, then each lib/ folder's of the same name.

A generated project keeps only its variant's folders of ``lib/``, so what they hold (waivers,
Security Hub controls, deploy grants) is found by looking, never listed in a shared file. Files
of one kind of table (``[[waiver]]``, ``[[control]]``) are read with :func:`table_entries` and
their entries checked with :func:`check_text_fields`, so each kind refuses a bad file alike.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

LIB = Path(__file__).resolve().parent


def shared_then_folders(shared: Path, file_name: str, lib: Path = LIB) -> list[Path]:
    """``shared`` when it exists, then ``lib/<folder>/<file_name>`` of each folder that holds
    one, by folder name."""
    return [*([shared] if shared.is_file() else []), *sorted(lib.glob(f"*/{file_name}"))]


def table_entries(
    text: str, source: str, table: str, error: type[ValueError]
) -> list[dict[str, Any]]:
    """The ``[[table]]`` entries of one file's ``text``; ``error`` names ``source`` when the
    text is not TOML or holds anything but those tables."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{source} is not valid TOML: {problem}") from None
    if set(data) - {table} or not isinstance(data.get(table, []), list):
        raise error(f"{source} must hold only [[{table}]] tables")
    return data.get(table, [])


def check_text_fields(
    entry: dict[str, Any],
    where: str,
    table: str,
    fields: Sequence[str],
    error: type[ValueError],
) -> None:
    """Refuse, as ``error`` naming ``where``, a ``[[table]]`` entry with a field outside
    ``fields`` or a field that is not text."""
    unknown = sorted(set(entry) - set(fields))
    if unknown:
        raise error(f"{where} has unknown fields {unknown}; a {table} holds {list(fields)}")
    if not all(isinstance(value, str) for value in entry.values()):
        raise error(f"{where}: every field must be text")
