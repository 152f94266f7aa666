"""Match a billing or display name to one of a known set of model ids, or say why not.

AWS names a model three ways: the model id in the logs (``meta.llama3-3-70b-instruct-v1:0``),
a *billing name* in usage types (``Llama3-3-70B``, ``Claude4.6Opus``) and a *display name* in the
Price List and the CUR 2.0 ``product['model']`` key ("Llama 3.3 70B", "Claude Opus 4.6"). No
single rule derives one from another, and AWS adds models every month, so a lookup table alone
goes stale. This module is the two-stage matcher of billing-vocabulary.md §3:

1. **Mantle** usage types embed the model id verbatim, ending at ``-mantle``
   (``USE1-minimax.minimax-m2-mantle-input-tokens-standard``). The stem is compared exactly with
   each candidate id, allowing only a trailing version (``-v1:0``, ``-1:0``, ``-20251001-v1:0``):
   ``minimax-m2`` never matches ``minimax-m2.5``.
2. **Everything else** goes through a normalised join key (:func:`join_key`): words and numbers
   of the name, case-, separator- and order-insensitive for words, order-sensitive for numbers,
   without the provider, release date, default version (``v1``/``v0``) and ``instruct``. "Llama
   3.3 70B", ``Llama3-3-70B`` and ``meta.llama3-3-70b-instruct-v1:0`` share one key; "Llama 3.1
   70B Latency Optimized" does not share the key of ``meta.llama3-1-70b-instruct-v1:0``, and
   "DeepSeek V3.1" does not share the key of ``deepseek.v3-v1:0``.

There is never a nearest-name guess: the answer is one model, or an explicit ``ambiguous`` (two
or more candidates share the key) or ``missing`` (none does) naming the candidates, for the
caller to turn into a finding. Candidates are the natural set the caller knows: the model ids in
the logs of the same account, Region and day, or a model catalogue.

Public API: :func:`match_model`, :func:`join_key`, :class:`ModelMatch`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["ModelMatch", "join_key", "match_model"]

MatchStatus = Literal["matched", "ambiguous", "missing"]


@dataclass(frozen=True)
class ModelMatch:
    """The outcome of matching one name against candidate model ids.

    ``model_id`` is set only when ``status == "matched"``. ``candidates`` names what the finding
    must show: the tied ids when ``ambiguous``, every id considered (sorted) when ``missing``,
    the matched id when ``matched``.
    """

    name: str
    status: MatchStatus
    model_id: str | None
    candidates: tuple[str, ...]
    stage: Literal["mantle", "join_key"]

    @property
    def matched(self) -> bool:
        return self.status == "matched"

    def describe(self) -> str:
        """One line for a finding: what was matched, how, and the candidates when it failed."""
        if self.status == "matched":
            return f"'{self.name}' -> {self.model_id} ({self.stage})"
        shown = ", ".join(self.candidates[:10]) or "none"
        more = f" (+{len(self.candidates) - 10} more)" if len(self.candidates) > 10 else ""
        what = "matches several model ids" if self.status == "ambiguous" else "matches no model id"
        return f"'{self.name}' {what} ({self.stage}); candidates: {shown}{more}"


# Inference-profile prefixes a candidate may carry (``us.``, ``global.``); the model is the rest.
_PROFILE_PREFIX = re.compile(r"^(?:us|eu|apac|global|us-gov|jp|au|ca|apn)\.(?=[a-z0-9-]+\.)")
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}[0-9]?-")
# What may follow a mantle stem in a model id: release date, version, context-length variant.
_VERSION_TAIL = re.compile(r"^(?:-\d{8})?(?:-v\d+(?::\d+)*|-\d+:\d+|:\d+)?(?::\d+k)?$")
# The same tail at the end of an id, removed before building its join key.
_ID_TAIL = re.compile(r"(?:-v(?P<v>\d+)(?::\d+)*|-\d+:\d+|:\d+)?(?::\d+k)?$")
_DATE = re.compile(r"(?:^|-)\d{8}(?=-|$)")
_DOT_ZERO = re.compile(r"(?<=\d)\.0(?!\d)")
_CHUNK = re.compile(r"[A-Za-z]+|\d+")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_NOISE = frozenset({"instruct"})
_SYNONYMS = {"embedding": "embed", "embeddings": "embed"}


def _fold(word: str) -> str:
    word = word.lower()
    return _SYNONYMS.get(word, word)


@dataclass(frozen=True)
class _Name:
    """A name as letter chunks (each split at camel-case humps) and its numbers, in order."""

    chunks: tuple[tuple[str, ...], ...]
    numbers: tuple[str, ...]


def _parse(text: str) -> _Name:
    chunks: list[tuple[str, ...]] = []
    numbers: list[str] = []
    for tok in _CHUNK.findall(_DOT_ZERO.sub("", text)):
        if tok.isdigit():
            numbers.append(str(int(tok)))
        elif _fold(tok) not in _NOISE:
            chunks.append(tuple(_CAMEL.findall(tok)) or (tok,))
    return _Name(tuple(chunks), tuple(numbers))


@dataclass(frozen=True)
class _IdKey:
    words: tuple[str, ...]
    """Sorted lower-case words of the id stem (no provider, date, default version, noise)."""
    numbers: tuple[str, ...]
    provider: str

    def render(self) -> str:
        return "+".join(self.words) + "|" + ".".join(self.numbers)


def _split_id(model_id: str) -> tuple[str, str]:
    """``us.meta.llama3-...`` -> (``meta``, ``llama3-...``); provider '' when there is none."""
    text = _PROFILE_PREFIX.sub("", model_id.strip())
    provider, dot, stem = text.partition(".")
    if not dot or not provider.isalnum() or not stem:
        return "", text
    return provider, stem


def _id_key(model_id: str) -> _IdKey:
    provider, stem = _split_id(model_id)
    m = _ID_TAIL.search(stem)
    version = m.group("v") if m else None
    stem = stem[: m.start()] if m else stem
    stem = _DATE.sub("", stem)
    words: list[str] = []
    numbers: list[str] = []
    for tok in _CHUNK.findall(_DOT_ZERO.sub("", stem)):
        if tok.isdigit():
            numbers.append(str(int(tok)))
        elif _fold(tok) not in _NOISE:
            words.append(_fold(tok))
    if version is not None and int(version) >= 2:  # -v2:0 is a different model than -v1:0
        words.append("v")
        numbers.append(version)
    return _IdKey(tuple(sorted(words)), tuple(numbers), _fold(provider))


def _cover(chunks: tuple[tuple[str, ...], ...], want: Counter[str]) -> bool:
    """True when the name's words, glued only across camel humps, are exactly ``want``.

    ``DeepSeek`` covers ``deepseek`` and ``NovaMicro`` covers ``nova`` + ``micro``; words
    separated by a digit, space or dash are never glued (``Qwen3Coder`` is not ``qwencoder``).
    """
    if not chunks:
        return not +want
    first, rest = chunks[0], chunks[1:]
    return _cover_chunk(first, rest, want)


def _cover_chunk(
    parts: tuple[str, ...], rest: tuple[tuple[str, ...], ...], want: Counter[str]
) -> bool:
    if not parts:
        return _cover(rest, want)
    for i in range(1, len(parts) + 1):
        word = _fold("".join(parts[:i]))
        if want[word] > 0:
            want[word] -= 1
            if _cover_chunk(parts[i:], rest, want):
                return True
            want[word] += 1
    return False


def _same(name: _Name, key: _IdKey) -> bool:
    if name.numbers != key.numbers or not key.words:
        return False
    if _cover(name.chunks, Counter(key.words)):
        return True
    # "Meta Llama 3.3 70B", "DeepSeek V3.1": a provider word in the name is not part of the model.
    return (
        bool(key.provider)
        and key.provider not in key.words
        and _cover(name.chunks, Counter((*key.words, key.provider)))
    )


def join_key(name_or_id: str) -> str:
    """The normalised join key of a model id or name, for messages and documentation.

    A model id (``provider.stem``) is keyed without its provider, date, default version (``v1``,
    ``v0``; ``v2`` and up stay) and ``instruct``; a name is keyed by its camel-case words. Two
    strings with the same key match; :func:`match_model` is a little more lenient with names
    (``DeepSeek`` may stand for ``deepseek``, and a leading provider word is ignored).
    """
    provider, _ = _split_id(name_or_id)
    if provider and " " not in name_or_id:
        return _id_key(name_or_id).render()
    name = _parse(name_or_id)
    words = sorted(_fold(w) for chunk in name.chunks for w in chunk)
    return "+".join(words) + "|" + ".".join(name.numbers)


def _mantle_stem(name: str) -> str | None:
    at = name.find("-mantle")
    if at <= 0 or not (name[at + 7 :] == "" or name[at + 7] == "-"):
        return None
    return _REGION_PREFIX.sub("", name[:at], count=1)


def match_model(name: str, candidates: Iterable[str]) -> ModelMatch:
    """Match ``name`` to exactly one of ``candidates`` or report ambiguous/missing.

    ``name`` is a display name ("Claude Opus 4.6"), a billing name (``Claude4.6Opus``) or a mantle
    model segment / usage type (``minimax.minimax-m2-mantle...``, matched by stage 1 only).
    """
    pool = tuple(sorted({c.strip() for c in candidates if c and c.strip()}))
    stem = _mantle_stem(name.strip())
    if stem is not None:
        return _match_mantle(name, stem, pool)
    return _match_key(name, pool)


def _match_mantle(name: str, stem: str, pool: tuple[str, ...]) -> ModelMatch:
    exact = [c for c in pool if _PROFILE_PREFIX.sub("", c) == stem]
    hits = exact or [
        c
        for c in pool
        if (bare := _PROFILE_PREFIX.sub("", c)).startswith(stem)
        and _VERSION_TAIL.match(bare[len(stem) :])
    ]
    return _result(name, hits, pool, "mantle")


def _match_key(name: str, pool: tuple[str, ...]) -> ModelMatch:
    parsed = _parse(name)
    hits = [c for c in pool if _same(parsed, _id_key(c))]
    return _result(name, hits, pool, "join_key")


def _result(
    name: str, hits: list[str], pool: tuple[str, ...], stage: Literal["mantle", "join_key"]
) -> ModelMatch:
    bases = {_PROFILE_PREFIX.sub("", h) for h in hits}
    if len(bases) == 1:
        # The same model seen bare and through a profile (``us.``) is still one model.
        model = min(bases)
        return ModelMatch(name, "matched", model, (model,), stage)
    if hits:
        return ModelMatch(name, "ambiguous", None, tuple(hits), stage)
    return ModelMatch(name, "missing", None, pool, stage)
