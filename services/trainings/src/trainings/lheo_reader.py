"""Reads an LHEO document one `formation` at a time, in bounded memory.

A region's export is hundreds of megabytes: the parser streams it (iterparse), hands over each
formation once complete, then drops it from the tree. XML bombs and external entities are refused
(defusedxml).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from trainings.domain.formation import Tags


class NotLheoError(ValueError):
    """The input is not an LHEO document; the message says where and why."""


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def formations(source: IO[bytes]) -> Iterator[tuple[Tags, Element]]:
    """Each `formation` of the document, complete, with the document's tag names. The element
    is cleared once the caller asks for the next one: read what you need before that."""
    parents: list[Element] = []
    tags: Tags | None = None
    try:
        for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if tags is None:
                    if local_name(element.tag) != "lheo":
                        raise NotLheoError(
                            f"the root element is <{local_name(element.tag)}>, not <lheo>: "
                            "send an LHEO document (lheo > offres > formation)"
                        )
                    tags = Tags(namespace_of(element.tag))
                parents.append(element)
                continue
            parents.pop()
            if local_name(element.tag) == "formation" and tags is not None:
                yield tags, element
                element.clear()
                if parents:
                    parents[-1].remove(element)
    except ParseError as error:
        raise NotLheoError(f"not well-formed XML: {error}") from None
    except DefusedXmlException as error:
        raise NotLheoError(f"refused: {error}") from None
    if tags is None:
        raise NotLheoError("the document is empty: send an LHEO document")
