"""Bundled sample snapshots in the native feed format (see README.md in this folder).

``w1000m``: the women's 1000 m speed skating of 9 February 2026, five snapshots.
``gamesday``: a Games day around it, for the demo and the tests.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

import msgspec

from medalbot.domain.models import Snapshot

SAMPLES: Final = ("w1000m", "gamesday")


def sample_files(name: str) -> list[Path]:
    """The snapshot files of a sample, in the order they are to be applied."""
    if name not in SAMPLES:
        raise ValueError(f"no sample {name!r}; the samples are {', '.join(SAMPLES)}")
    folder = resources.files(__name__).joinpath(name)
    if not isinstance(folder, Path):
        # resources from a zip archive have no paths; medalbot is installed as plain files
        raise RuntimeError(f"the samples of {__name__} are not on the file system: {folder!r}")
    return sorted(path for path in folder.iterdir() if path.suffix == ".json")


def load_sample(name: str) -> list[Snapshot]:
    """The decoded snapshots of a sample, in order."""
    return [
        msgspec.json.decode(path.read_bytes(), type=Snapshot, strict=True)
        for path in sample_files(name)
    ]
