"""The filled prose, as CommonMark, turned into the document's blocks:
headings, paragraphs with bold runs, bullet lists, and each list placed by
`{{ items("...") }}` on a line of its own."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.definitions.elements import LIST_INITIALS
from generator.definitions.forms import FormText
from generator.document import (
    Block,
    BulletList,
    Heading,
    ItemList,
    Paragraph,
    Run,
)
from generator.errors import FormDefinitionError

MAX_PARAGRAPH = 20_000  # characters in one paragraph or list entry


class Placement:
    """What `{{ items("name") }}` returns: a marker the Markdown pass replaces."""

    def __init__(self, name: str) -> None:
        self.name = name
        # The colon is escaped in any patient value, so no typed text can equal this.
        self.marker = f"\u27e6items:{name}\u27e7"


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


_ALLOWED_BLOCKS = {
    "heading_open",
    "heading_close",
    "paragraph_open",
    "paragraph_close",
    "inline",
    "bullet_list_open",
    "bullet_list_close",
    "list_item_open",
    "list_item_close",
}


def blocks_from_markdown(markdown: str, text: FormText) -> tuple[Block, ...]:
    tokens = markdown_parser().parse(markdown)
    blocks: list[Block] = []
    list_entries: list[tuple[Run, ...]] | None = None
    heading_level: int | None = None
    for token in tokens:
        if token.type not in _ALLOWED_BLOCKS:
            raise FormDefinitionError(
                f"{text.body_path} uses Markdown that consent does not print ({token.type}). "
                "Use ## headings, paragraphs, - bullet lists and **bold** only."
            )
        if token.type == "heading_open":
            heading_level = int(token.tag[1])
        elif token.type == "bullet_list_open":
            list_entries = []
        elif token.type == "bullet_list_close" and list_entries is not None:
            blocks.append(BulletList(tuple(list_entries)))
            list_entries = None
        elif token.type == "inline":
            runs = _runs(token, text.body_path)
            if heading_level is not None:
                blocks.append(Heading("".join(run.text for run in runs), heading_level))
                heading_level = None
            elif list_entries is not None:
                list_entries.append(runs)
            else:
                blocks.append(_paragraph_or_list(token, runs, text))
    return tuple(blocks)


def _paragraph_or_list(token: Token, runs: tuple[Run, ...], text: FormText) -> Block:
    source = token.content.strip()
    for name, initials in LIST_INITIALS.items():
        marker = Placement(name).marker
        if source == marker:
            return ItemList(name=name, items=text.lists[name], initials=initials)
        if marker in source:
            raise FormDefinitionError(
                f'{text.body_path}: {{{{ items("{name}") }}}} must be on a line of its own, '
                "with a blank line before and after it."
            )
    return Paragraph(runs)


def _runs(token: Token, body_path: Path) -> tuple[Run, ...]:
    runs: list[Run] = []
    bold = False
    for child in token.children or []:
        if child.type == "text":
            runs.append(Run(child.content, bold))
        elif child.type in ("softbreak", "hardbreak"):
            runs.append(Run(" ", bold))
        elif child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        else:
            raise FormDefinitionError(
                f"{body_path} uses Markdown that consent does not print ({child.type}). "
                "Use **bold** for emphasis; links, images, code and italics are not printed."
            )
    length = sum(len(run.text) for run in runs)
    if length > MAX_PARAGRAPH:
        raise FormDefinitionError(
            f"{body_path}, line {(token.map or [0])[0] + 1} of the filled text: a paragraph of {length:,} "
            f"characters; one paragraph holds at most {MAX_PARAGRAPH:,}. Split it into shorter paragraphs."
        )
    return _merge(runs)


def _merge(runs: list[Run]) -> tuple[Run, ...]:
    merged: list[Run] = []
    for run in runs:
        if merged and merged[-1].bold == run.bold:
            merged[-1] = Run(merged[-1].text + run.text, run.bold)
        else:
            merged.append(run)
    return tuple(merged)
