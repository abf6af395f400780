"""Data files found by folder: the shared one, then each lib/ folder's of the same name.

A generated project keeps only its variant's folders of ``lib/``, so what they hold (waivers,
Security Hub controls, deploy grants) is found by looking, never listed in a shared file.
"""

from __future__ import annotations

from pathlib import Path

LIB = Path(__file__).resolve().parent


def shared_then_folders(shared: Path, file_name: str, lib: Path = LIB) -> list[Path]:
    """``shared`` when it exists, then ``lib/<folder>/<file_name>`` of each folder that holds
    one, by folder name."""
    return [*([shared] if shared.is_file() else []), *sorted(lib.glob(f"*/{file_name}"))]
