"""The search vocabulary shared by every backend: what a record is indexed as, what a query asks.

PostgreSQL's text-search parser keeps a run of Chinese characters as one token (张伟明 is one
lexeme, so 伟明 never finds it) and the embedded server has no pg_trgm or zhparser. So Chinese is
indexed as character bigrams (张伟, 伟明), names also as single characters (a one-character query is
usually a surname), names as full pinyin and initials, and Latin words lower-cased. A query is
turned into the same tokens: every bigram of a Chinese term must be present (AND), a Latin term
matches as a prefix (zhangw finds zhangwei). Both backends index exactly these strings, so they
agree on what matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
# Latin words shorter than this are not worth a lexeme of their own in company/city texts.
_MIN_LATIN = 1


def _fold(text: str) -> str:
    """Full-width letters and digits to ASCII, lower case (ＩＢＭ → ibm)."""
    out = []
    for char in text or "":
        code = ord(char)
        if 0xFF01 <= code <= 0xFF5E:
            char = chr(code - 0xFEE0)
        out.append(char)
    return "".join(out).lower()


def cjk_runs(text: str) -> list[str]:
    return _CJK_RUN.findall(_fold(text))


def latin_words(text: str) -> list[str]:
    return [word for word in _LATIN_WORD.findall(_fold(text)) if len(word) >= _MIN_LATIN]


def bigrams(run: str) -> list[str]:
    """张伟明 → [张伟, 伟明]; a single character stays itself."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def text_tokens(text: str) -> set[str]:
    """Tokens of a free-text field (company, city, industry): Chinese bigrams and Latin words."""
    tokens: set[str] = set()
    for run in cjk_runs(text):
        tokens.update(bigrams(run))
    tokens.update(latin_words(text))
    return tokens


def name_tokens(name: str, pinyin: str, initials: str) -> set[str]:
    """Tokens of a person's name: bigrams and single characters, full pinyin and initials."""
    tokens = text_tokens(name)
    for run in cjk_runs(name):
        tokens.update(run)  # 张 finds 张伟 and 张三
    for value in (pinyin, initials):
        value = "".join(latin_words(value))
        if value:
            tokens.add(value)
    return tokens


# Marker tokens that say how a name matched, so ranking is an index lookup too (see rank_queries):
# "=" the whole name or pinyin, "^" a prefix of the name / pinyin / initials, "~" part of the name.
EXACT, PREFIX, IN_NAME = "=", "^", "~"


def rank_tokens(name: str, pinyin: str, initials: str) -> set[str]:
    name = "".join(cjk_runs(name))
    pinyin, initials = "".join(latin_words(pinyin)), "".join(latin_words(initials))
    tokens = {EXACT + value for value in (name, pinyin) if value}
    tokens |= {PREFIX + name[:end] for end in range(1, len(name) + 1)}
    tokens |= {PREFIX + value for value in (pinyin, initials) if value}
    tokens |= {IN_NAME + token for token in bigrams(name)} | {IN_NAME + char for char in name}
    return tokens


def document_tokens(
    *,
    name: str,
    pinyin: str,
    initials: str,
    company: str = "",
    city: str = "",
    province: str = "",
    industry: str = "",
) -> list[str]:
    """Everything a person is found by, sorted (deterministic documents, stable tests)."""
    tokens = name_tokens(name, pinyin, initials) | rank_tokens(name, pinyin, initials)
    for text in (company, city, province, industry):
        tokens |= text_tokens(text)
    return sorted(token for token in tokens if token)


@dataclass(frozen=True)
class Term:
    """One whitespace-separated part of a query: Chinese bigrams that must all be present, or a
    Latin prefix."""

    text: str
    bigrams: tuple[str, ...] = ()
    prefix: str = ""


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...] = field(default_factory=tuple)
    # For ranking: the query read as one Chinese name and as one pinyin string.
    name: str = ""
    pinyin: str = ""

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(query: str) -> ParsedQuery:
    """Split a query into terms; Chinese and Latin parts of a term (张wei) become separate terms."""
    terms: list[Term] = []
    for chunk in _fold(query).split():
        for run in cjk_runs(chunk):
            terms.append(Term(text=run, bigrams=tuple(dict.fromkeys(bigrams(run)))))
        for word in latin_words(chunk):
            terms.append(Term(text=word, prefix=word))
    name = "".join(term.text for term in terms if term.bigrams)
    pinyin = "".join(term.prefix for term in terms if term.prefix)
    return ParsedQuery(terms=tuple(terms), name=name, pinyin=pinyin)
