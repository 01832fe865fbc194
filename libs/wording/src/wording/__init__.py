"""Tremplin's message catalogue: every reason the producers give as a code with its figures,
said in French and English for the app, the console and every alert channel."""

from wording.entry import Entry
from wording.render import CATALOGUE, GENERIC, LANGUAGES, Coded, language_of, render
from wording.values import Namer

__all__ = [
    "CATALOGUE",
    "GENERIC",
    "LANGUAGES",
    "Coded",
    "Entry",
    "Namer",
    "language_of",
    "render",
]
