"""A service's database through the data layer: its capabilities learned once, its collections."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from servicekit.data.documents import Documents
from servicekit.data.engine import Capabilities, EngineChoice, detect


class Database:
    def __init__(self, database: AsyncDatabase[Any], capabilities: Capabilities) -> None:
        self.raw = database
        self.capabilities = capabilities
        self._collections: dict[str, Documents] = {}

    @classmethod
    async def open(cls, database: AsyncDatabase[Any], choice: EngineChoice = "auto") -> Database:
        return cls(database, await detect(database, choice))

    def documents(self, name: str) -> Documents:
        """The collection `name`; one instance per name, so that its writers share turns."""
        if name not in self._collections:
            self._collections[name] = Documents(self.raw[name], self.capabilities)
        return self._collections[name]

    def __getitem__(self, name: str) -> Documents:
        return self.documents(name)
