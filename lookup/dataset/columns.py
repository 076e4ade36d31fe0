"""Column files: one ``.npy`` per column, written without pickles and memory-mapped on
load, so a worker starts without parsing and every worker shares the same pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np


def save_columns(folder: Path, columns: Mapping[str, np.ndarray]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in columns.items():
        np.save(folder / f"{name}.npy", arr, allow_pickle=False)


def load_columns(folder: Path, names: Iterable[str]) -> dict[str, np.ndarray]:
    # Memory-mapped, then seen as plain arrays: np.memmap's subclass hooks cost
    # microseconds on every slice of every look-up.
    return {n: np.asarray(np.load(folder / f"{n}.npy", mmap_mode="r")) for n in names}
