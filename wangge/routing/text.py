"""How routing reads a request's text: cut into words the way the training material was cut.

jieba's dictionary and algorithm, run by its Rust port (rjieba, the same cut as `jieba.lcut`
about twenty times faster: a dispatcher's console and the benchmark's 2,000 predictions a second
both need it). Whitespace and punctuation are dropped and Latin letters lowered, so a raw
request and an already-cut one ("市 西湖 建筑 …") give the same words."""

from __future__ import annotations

import re
from collections.abc import Iterable

import rjieba

_HAS_WORD_CHARACTER = re.compile(r"\w")


def words(text: str) -> list[str]:
    """The words of `text` in order, without whitespace, punctuation or symbols."""
    return [word.lower() for word in rjieba.cut(text or "") if _HAS_WORD_CHARACTER.search(word)]


def request_text(title: str, description: str) -> str:
    """What is read of a case: its title, then its description."""
    return f"{title or ''}\n{description or ''}".strip()


def joined_words(texts: Iterable[str]) -> list[str]:
    """Each text as its words joined by single spaces (the form the vectorizers read)."""
    return [" ".join(words(text)) for text in texts]
