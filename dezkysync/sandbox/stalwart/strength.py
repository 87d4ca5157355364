"""Password strength, judged like Stalwart's ``is_secure_password`` (zxcvbn, minimum "three").

Stalwart first checks the length in bytes (8 to 128 by default), then runs zxcvbn and refuses
a score below 3 with ``"Password is too weak. <warning> <suggestions>"``. This module is a
compact port of zxcvbn's estimator: dictionary (common passwords, English words; case,
reversal and l33t variants), keyboard rows, repeats, sequences and recent years, combined by
zxcvbn's minimum-guesses search, with zxcvbn's feedback texts. Its word lists are short (see
:mod:`._wordlists`), so rare words count as random characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import comb, factorial, log10

from dezkysync.sandbox.stalwart._wordlists import COMMON_PASSWORDS, ENGLISH_WORDS

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 3

_MIN_GUESSES_BEFORE_GROWING_SEQUENCE = 10_000
_MIN_SUBMATCH_GUESSES_SINGLE_CHAR = 10
_MIN_SUBMATCH_GUESSES_MULTI_CHAR = 50
_MIN_YEAR_SPACE = 20
_KEYBOARD_STARTING_POSITIONS = 94
_KEYBOARD_AVERAGE_DEGREE = 4.595918
_DICTIONARIES = {"passwords": COMMON_PASSWORDS, "english_wikipedia": ENGLISH_WORDS}
_L33T = {
    "4": "a",
    "@": "a",
    "8": "b",
    "(": "c",
    "{": "c",
    "[": "c",
    "<": "c",
    "3": "e",
    "6": "g",
    "9": "g",
    "1": "il",
    "!": "i",
    "|": "il",
    "7": "lt",
    "0": "o",
    "$": "s",
    "5": "s",
    "+": "t",
    "%": "x",
    "2": "z",
}
_QWERTY_ROWS = (
    "`~ 1! 2@ 3# 4$ 5% 6^ 7& 8* 9( 0) -_ =+",
    "qQ wW eE rR tT yY uU iI oO pP [{ ]} \\|",
    "aA sS dD fF gG hH jJ kK lL ;: '\"",
    "zZ xX cC vV bB nN mM ,< .> /?",
)
_EXTRA = "Add another word or two. Uncommon words are better."


@dataclass
class Match:
    """One pattern found in the password (zxcvbn's match object)."""

    pattern: str
    i: int
    j: int
    token: str
    rank: int = 0
    dictionary: str = ""
    reversed: bool = False
    l33t: bool = False
    subs: dict[str, str] = field(default_factory=dict)
    turns: int = 0
    shifted: int = 0
    base_token: str = ""
    base_guesses: float = 0.0
    repeat_count: float = 0.0
    ascending: bool = True
    guesses: float | None = None


@dataclass(frozen=True)
class Verdict:
    """The estimate: guesses, score 0-4 and, for weak passwords, zxcvbn's feedback."""

    guesses: float
    score: int
    warning: str
    suggestions: tuple[str, ...]

    @property
    def feedback(self) -> str:
        """Warning and suggestions as one sentence run, as zxcvbn-rs prints them."""
        parts = ([self.warning] if self.warning else []) + list(self.suggestions)
        return " ".join(parts)


def password_problem(password: str) -> str | None:
    """Stalwart's reason for refusing ``password``, or None when it is acceptable."""
    size = len(password.encode("utf-8"))
    if size > MAX_LENGTH:
        return f"Password must be at most {MAX_LENGTH} characters long."
    if size < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters long."
    verdict = estimate(password)
    if verdict.score >= MIN_SCORE:
        return None
    if verdict.feedback:
        return f"Password is too weak. {verdict.feedback}"
    return "Password is too weak."


def estimate(password: str) -> Verdict:
    """zxcvbn's estimate for ``password``."""
    guesses, sequence = _most_guessable(password, _omnimatch(password))
    score = _score(guesses)
    if score > 2 or not sequence:
        return Verdict(guesses, score, "", ())
    longest = max(sequence, key=lambda m: len(m.token))
    for candidate in sequence:  # first of the longest, as zxcvbn iterates
        if len(candidate.token) == len(longest.token):
            longest = candidate
            break
    warning, suggestions = _match_feedback(longest, len(sequence) == 1)
    return Verdict(guesses, score, warning, (_EXTRA, *suggestions))


def _score(guesses: float) -> int:
    delta = 5
    if guesses < 1e3 + delta:
        return 0
    if guesses < 1e6 + delta:
        return 1
    if guesses < 1e8 + delta:
        return 2
    if guesses < 1e10 + delta:
        return 3
    return 4


# -- matching --------------------------------------------------------------------------------
def _omnimatch(password: str) -> list[Match]:
    matches: list[Match] = []
    matches += _dictionary_matches(password)
    matches += _reverse_dictionary_matches(password)
    matches += _l33t_matches(password)
    matches += _spatial_matches(password)
    matches += _repeat_matches(password)
    matches += _sequence_matches(password)
    matches += _year_matches(password)
    matches.sort(key=lambda m: (m.i, m.j))
    return matches


def _dictionary_matches(password: str) -> list[Match]:
    lower = password.lower()
    found: list[Match] = []
    for name, ranked in _DICTIONARIES.items():
        for i in range(len(password)):
            for j in range(i, len(password)):
                word = lower[i : j + 1]
                rank = ranked.get(word)
                if rank is not None:
                    found.append(
                        Match("dictionary", i, j, password[i : j + 1], rank=rank, dictionary=name)
                    )
    return found


def _reverse_dictionary_matches(password: str) -> list[Match]:
    reversed_password = password[::-1]
    found: list[Match] = []
    size = len(password)
    for match in _dictionary_matches(reversed_password):
        token = match.token[::-1]
        if token.lower() == token.lower()[::-1]:
            continue  # palindromes are already found forwards
        i, j = size - 1 - match.j, size - 1 - match.i
        found.append(
            Match(
                "dictionary",
                i,
                j,
                token,
                rank=match.rank,
                dictionary=match.dictionary,
                reversed=True,
            )
        )
    return found


def _l33t_matches(password: str) -> list[Match]:
    if not any(char in _L33T for char in password):
        return []
    found: list[Match] = []
    for variant, subs in _unleet_variants(password):
        for match in _dictionary_matches(variant):
            token = password[match.i : match.j + 1]
            used = {c: subs[c] for c in token if c in subs}
            if not used or token.lower() == match.token.lower():
                continue
            match.token = token
            match.l33t = True
            match.subs = used
            found.append(match)
    return found


def _unleet_variants(password: str) -> list[tuple[str, dict[str, str]]]:
    present = sorted({char for char in password if char in _L33T})
    options: list[dict[str, str]] = [{}]
    for char in present:
        options = [{**chosen, char: letter} for chosen in options for letter in _L33T[char]]
        if len(options) > 16:
            options = options[:16]
    variants = []
    for chosen in options:
        variant = "".join(chosen.get(char, char) for char in password)
        variants.append((variant, chosen))
    return variants


def _keyboard_graph() -> dict[str, list[str | None]]:
    positions: dict[tuple[int, int], str] = {}
    for y, row in enumerate(_QWERTY_ROWS):
        for x, token in enumerate(row.split()):
            positions[(x, y)] = token
    graph: dict[str, list[str | None]] = {}
    for (x, y), token in positions.items():
        around = [(x - 1, y), (x, y - 1), (x + 1, y - 1), (x + 1, y), (x, y + 1), (x - 1, y + 1)]
        neighbours = [positions.get(coord) for coord in around]
        for char in token:
            graph[char] = neighbours
    return graph


_GRAPH = _keyboard_graph()


def _spatial_matches(password: str) -> list[Match]:
    found: list[Match] = []
    i = 0
    size = len(password)
    while i < size - 1:
        j = i + 1
        last_direction: int | None = None
        turns = 0
        shifted = 1 if password[i] in '~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:"ZXCVBNM<>?' else 0
        while True:
            previous = password[j - 1]
            adjacent = _GRAPH.get(previous, [])
            found_direction = -1
            if j < size:
                current = password[j]
                for direction, neighbour in enumerate(adjacent):
                    if neighbour and current in neighbour:
                        found_direction = direction
                        if neighbour.index(current) == 1:
                            shifted += 1
                        if last_direction != direction:
                            turns += 1
                            last_direction = direction
                        break
            if found_direction != -1:
                j += 1
                continue
            if j - i > 2:
                found.append(
                    Match("spatial", i, j - 1, password[i:j], turns=turns, shifted=shifted)
                )
            i = j
            break
    return found


def _repeat_matches(password: str) -> list[Match]:
    greedy = re.compile(r"(.+)\1+", re.DOTALL)
    lazy = re.compile(r"(.+?)\1+", re.DOTALL)
    lazy_anchored = re.compile(r"^(.+?)\1+$", re.DOTALL)
    found: list[Match] = []
    last = 0
    while last < len(password):
        greedy_match = greedy.search(password, last)
        lazy_match = lazy.search(password, last)
        if greedy_match is None or lazy_match is None:
            break
        if len(greedy_match.group(0)) > len(lazy_match.group(0)):
            match = greedy_match
            anchored = lazy_anchored.match(match.group(0))
            base = anchored.group(1) if anchored else match.group(1)
        else:
            match = lazy_match
            base = match.group(1)
        i, j = match.start(), match.end() - 1
        base_guesses, _ = _most_guessable(base, _omnimatch(base))
        found.append(
            Match(
                "repeat",
                i,
                j,
                match.group(0),
                base_token=base,
                base_guesses=base_guesses,
                repeat_count=len(match.group(0)) / len(base),
            )
        )
        last = j + 1
    return found


def _sequence_matches(password: str) -> list[Match]:
    if len(password) == 1:
        return []
    found: list[Match] = []

    def update(i: int, j: int, delta: int | None) -> None:
        if delta is None:
            return
        if (j - i > 1 or abs(delta) == 1) and 0 < abs(delta) <= 5:
            token = password[i : j + 1]
            found.append(Match("sequence", i, j, token, ascending=delta > 0))

    i = 0
    last_delta: int | None = None
    for k in range(1, len(password)):
        delta = ord(password[k]) - ord(password[k - 1])
        if last_delta is None:
            last_delta = delta
        if delta == last_delta:
            continue
        j = k - 1
        update(i, j, last_delta)
        i = j
        last_delta = delta
    update(i, len(password) - 1, last_delta)
    return found


def _year_matches(password: str) -> list[Match]:
    return [
        Match("regex", m.start(), m.end() - 1, m.group(0))
        for m in re.finditer(r"19\d\d|20\d\d", password)
    ]


# -- guesses ---------------------------------------------------------------------------------
def _estimate_guesses(match: Match, password: str) -> float:
    if match.guesses is not None:
        return match.guesses
    min_guesses = 1.0
    if len(match.token) < len(password):
        min_guesses = float(
            _MIN_SUBMATCH_GUESSES_SINGLE_CHAR
            if len(match.token) == 1
            else _MIN_SUBMATCH_GUESSES_MULTI_CHAR
        )
    guesses = max(_pattern_guesses(match), min_guesses)
    match.guesses = guesses
    return guesses


def _pattern_guesses(match: Match) -> float:
    token = match.token
    if match.pattern == "bruteforce":
        guesses = 10.0 ** len(token)
        minimum = (
            _MIN_SUBMATCH_GUESSES_SINGLE_CHAR + 1
            if len(token) == 1
            else _MIN_SUBMATCH_GUESSES_MULTI_CHAR + 1
        )
        return max(guesses, float(minimum))
    if match.pattern == "dictionary":
        variations = _uppercase_variations(token) * _l33t_variations(match)
        return match.rank * variations * (2 if match.reversed else 1)
    if match.pattern == "spatial":
        return _spatial_guesses(match)
    if match.pattern == "repeat":
        return match.base_guesses * match.repeat_count
    if match.pattern == "sequence":
        first = token[0]
        if first in "aAzZ019":
            base = 4
        elif first.isdigit():
            base = 10
        else:
            base = 26
        if not match.ascending:
            base *= 2
        return float(base * len(token))
    year_space = abs(int(token) - datetime.now(UTC).year)
    return float(max(year_space, _MIN_YEAR_SPACE))


def _uppercase_variations(word: str) -> float:
    if word.lower() == word:
        return 1.0
    if re.fullmatch(r"[A-Z][^A-Z]+|[^A-Z]+[A-Z]|[^a-z]+", word):
        return 2.0
    upper = sum(1 for c in word if c.isupper())
    lower = sum(1 for c in word if c.islower())
    return float(sum(comb(upper + lower, i) for i in range(1, min(upper, lower) + 1)))


def _l33t_variations(match: Match) -> float:
    if not match.l33t:
        return 1.0
    variations = 1.0
    lowered = match.token.lower()
    for subbed, unsubbed in match.subs.items():
        substituted = lowered.count(subbed)
        plain = lowered.count(unsubbed)
        if substituted == 0 or plain == 0:
            variations *= 2
        else:
            possible = sum(
                comb(substituted + plain, i) for i in range(1, min(plain, substituted) + 1)
            )
            variations *= possible
    return variations


def _spatial_guesses(match: Match) -> float:
    size = len(match.token)
    guesses = 0.0
    for i in range(2, size + 1):
        for j in range(1, min(match.turns, i - 1) + 1):
            guesses += (
                comb(i - 1, j - 1) * _KEYBOARD_STARTING_POSITIONS * _KEYBOARD_AVERAGE_DEGREE**j
            )
    if match.shifted:
        unshifted = size - match.shifted
        if unshifted <= 0:
            guesses *= 2
        else:
            guesses *= sum(
                comb(match.shifted + unshifted, i)
                for i in range(1, min(match.shifted, unshifted) + 1)
            )
    return guesses


def _most_guessable(password: str, matches: list[Match]) -> tuple[float, list[Match]]:
    size = len(password)
    if size == 0:
        return 1.0, []
    by_end: list[list[Match]] = [[] for _ in range(size)]
    for match in matches:
        by_end[match.j].append(match)
    for bucket in by_end:
        bucket.sort(key=lambda m: m.i)
    best_match: list[dict[int, Match]] = [{} for _ in range(size)]
    best_pi: list[dict[int, float]] = [{} for _ in range(size)]
    best_g: list[dict[int, float]] = [{} for _ in range(size)]

    def update(match: Match, length: int) -> None:
        k = match.j
        pi = _estimate_guesses(match, password)
        if length > 1:
            pi *= best_pi[match.i - 1][length - 1]
        g = factorial(length) * pi + _MIN_GUESSES_BEFORE_GROWING_SEQUENCE ** (length - 1)
        for other_length, other_g in best_g[k].items():
            if other_length <= length and other_g <= g:
                return
        best_g[k][length] = g
        best_match[k][length] = match
        best_pi[k][length] = pi

    def bruteforce(i: int, k: int) -> Match:
        return Match("bruteforce", i, k, password[i : k + 1])

    for k in range(size):
        for match in by_end[k]:
            if match.i > 0:
                for length in list(best_match[match.i - 1]):
                    update(match, length + 1)
            else:
                update(match, 1)
        update(bruteforce(0, k), 1)
        for i in range(1, k + 1):
            for length, last in list(best_match[i - 1].items()):
                if last.pattern != "bruteforce":
                    update(bruteforce(i, k), length + 1)

    final_length = min(best_g[size - 1], key=lambda length: best_g[size - 1][length])
    guesses = best_g[size - 1][final_length]
    sequence: list[Match] = []
    k, length = size - 1, final_length
    while k >= 0:
        match = best_match[k][length]
        sequence.insert(0, match)
        k = match.i - 1
        length -= 1
    return guesses, sequence


# -- feedback --------------------------------------------------------------------------------
def _match_feedback(match: Match, sole: bool) -> tuple[str, list[str]]:
    if match.pattern == "dictionary":
        return _dictionary_feedback(match, sole)
    if match.pattern == "spatial":
        warning = (
            "Straight rows of keys are easy to guess."
            if match.turns == 1
            else "Short keyboard patterns are easy to guess."
        )
        return warning, ["Use a longer keyboard pattern with more turns."]
    if match.pattern == "repeat":
        warning = (
            'Repeats like "aaa" are easy to guess.'
            if len(match.base_token) == 1
            else 'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'
        )
        return warning, ["Avoid repeated words and characters."]
    if match.pattern == "sequence":
        return "Sequences like abc or 6543 are easy to guess.", ["Avoid sequences."]
    if match.pattern == "regex":
        return "Recent years are easy to guess.", [
            "Avoid recent years.",
            "Avoid years that are associated with you.",
        ]
    return "", []


def _dictionary_feedback(match: Match, sole: bool) -> tuple[str, list[str]]:
    warning = ""
    if match.dictionary == "passwords":
        if sole and not match.l33t and not match.reversed:
            if match.rank <= 10:
                warning = "This is a top-10 common password."
            elif match.rank <= 100:
                warning = "This is a top-100 common password."
            else:
                warning = "This is a very common password."
        elif log10(max(match.guesses or 1.0, 1.0)) <= 4:
            warning = "This is similar to a commonly used password."
    elif match.dictionary == "english_wikipedia" and sole:
        warning = "A word by itself is easy to guess."
    suggestions: list[str] = []
    word = match.token
    if re.fullmatch(r"[A-Z][^A-Z]+", word):
        suggestions.append("Capitalization doesn't help very much.")
    elif re.fullmatch(r"[^a-z]+", word) and word.lower() != word:
        suggestions.append("All-uppercase is almost as easy to guess as all-lowercase.")
    if match.reversed and len(word) >= 4:
        suggestions.append("Reversed words aren't much harder to guess.")
    if match.l33t:
        suggestions.append(
            "Predictable substitutions like '@' instead of 'a' don't help very much."
        )
    return warning, suggestions
