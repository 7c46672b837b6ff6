"""The hit cache of inputs read whole and only whole (event exports): an entry is used while
its file is unchanged, and written once the file is read (``hit_cache`` keeps the entries)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from micromacro.hit_cache import CachedPart, EntryUnreadable, HitCache, Identity
from micromacro.line_chunks import InputFile


@dataclass
class WholeFiles:
    """The hit cache for inputs read whole and only whole (event exports): an entry is used
    while its file is unchanged, and written after a file is read. Files the run copied into
    its spool (standard input, a FIFO, a decompressed export) are never kept."""

    cache: HitCache
    settings: dict[str, object]
    _identities: dict[str, Identity] = field(default_factory=dict)

    def get(self, file: InputFile, settings: Mapping[str, object]) -> CachedPart | None:
        """The entry of ``file`` for these settings (and ``settings``), if it is unchanged."""
        if file.scan_path != file.name:
            return None
        identity, part = self.cache.lookup(file, {**self.settings, **settings}, appendable=False)
        if identity is not None:
            self._identities[file.name] = identity
        return part

    def forget(
        self, file: InputFile, settings: Mapping[str, object], error: EntryUnreadable
    ) -> None:
        """The entry of ``file`` could not be read after all: removed, with a warning."""
        self.cache.warnings.append(self.cache.unreadable(error))
        self.cache.forget(file, {**self.settings, **settings})

    def put(
        self,
        file: InputFile,
        settings: Mapping[str, object],
        frame: pl.DataFrame,
        extra: Mapping[str, Any],
    ) -> None:
        """Keep ``frame`` (a row per row of ``file``) as its entry."""
        before = self._identities.get(file.name)
        if before is None:
            return
        self.cache.store(
            file,
            {**self.settings, **settings},
            frame,
            size=before.size,
            appendable=False,
            extra=extra,
            before=before,
        )
