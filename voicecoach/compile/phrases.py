"""Built-in phrases, one table per language, so the compiler never hard-codes English.

A routine's own text (names, cues, intro) is spoken as written; everything voicecoach
adds (counts, "switch sides", "rest", time call-outs) comes from the table for the
routine's ``language``. To add a language, write one more ``Phrases(...)`` and list it
in ``_TABLES``: the tests check every table for completeness.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.errors import VoicecoachError

_TERMINAL = (".", "!", "?", "…", ":", ";")


def sentence(text: str) -> str:
    """``text`` stripped and ending in sentence punctuation, so the voice drops its pitch."""
    text = " ".join(text.split())
    if not text or text.endswith(_TERMINAL):
        return text
    return text + "."


@dataclass(frozen=True)
class Phrases:
    """Everything voicecoach says in its own words, in one language.

    ``language`` is the table's code (``en``), ``name`` the language in English, for
    messages. Templates use ``str.format`` fields: ``{n}``, ``{m}``, ``{side}``, ``{name}``.
    ``numbers`` holds the words for 1..100 (counts are spoken as words; larger counts fall
    back to digits). ``side_names`` maps the default side labels (``left``/``right``) to
    how they are said; any other label an author chose is said as written.
    """

    language: str
    name: str
    numbers: tuple[str, ...]
    side_names: tuple[tuple[str, str], ...]
    last_one: str
    halfway: str
    seconds_left: str
    minute_left: str
    minutes_left: str
    switch_sides: str
    first_side: str
    set_of: str
    sets_plan: str
    round_of: str
    rest: str
    next_up: str
    get_ready: str
    well_done: str
    own_pace: str
    """Reps the person does at their own pace (``{n}`` a number word)."""
    press_play: str
    """Live play waits: the prompt and the reminder."""
    pause_if_longer: str
    """An export's wait, which cannot wait: said after the time it gives."""
    pain_question: str
    effort_question: str
    """The check-in after a live session (``voicecoach.checkin``), answered 0 to 10."""

    def number(self, n: int) -> str:
        """``n`` as a word when the table has it, else as digits (the voice reads those)."""
        if 1 <= n <= len(self.numbers):
            return self.numbers[n - 1]
        return str(n)

    def count(self, n: int) -> str:
        """A spoken count: ``One.``"""
        return sentence(self.number(n))

    def side(self, label: str) -> str:
        """How a side is named: ``left`` -> ``Left side``; a custom label as written."""
        for key, said in self.side_names:
            if label.strip().lower() == key:
                return said
        label = label.strip()
        return label[:1].upper() + label[1:]

    def switch_to(self, label: str) -> str:
        """Announces the side now starting: ``Switch sides. Right side.``"""
        return sentence(self.switch_sides.format(side=self.side(label)))

    def side_first(self, label: str) -> str:
        """The side a set starts on, the first time: ``Left side first.``"""
        return sentence(self.first_side.format(side=self.side(label)))

    def side_again(self, label: str) -> str:
        """The side a later set starts on: ``Left side.`` ("first" was said once)."""
        return sentence(self.side(label))

    def set_announcement(self, n: int, m: int) -> str:
        return sentence(self.set_of.format(n=n, m=m))

    def sets_announcement(self, m: int) -> str:
        return sentence(self.sets_plan.format(m=m))

    def round_announcement(self, n: int, m: int) -> str:
        return sentence(self.round_of.format(n=n, m=m))

    def next_exercise(self, name: str) -> str:
        return sentence(self.next_up.format(name=name.strip()))

    def own_pace_announcement(self, n: int) -> str:
        return sentence(self.own_pace.format(n=self.number(n)))

    def time_left(self, seconds: int) -> str:
        """``10 seconds left.`` / ``1 minute left.`` / ``3 minutes left.``"""
        if seconds % 60 == 0 and seconds >= 60:
            minutes = seconds // 60
            template = self.minute_left if minutes == 1 else self.minutes_left
            return sentence(template.format(n=minutes))
        return sentence(self.seconds_left.format(n=seconds))

    def all_fixed(self) -> tuple[str, ...]:
        """Every phrase that needs no argument (for warming a speech cache)."""
        return (
            sentence(self.last_one),
            sentence(self.halfway),
            sentence(self.rest),
            sentence(self.get_ready),
            sentence(self.well_done),
        )


def _english_numbers() -> tuple[str, ...]:
    small = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen",
    ]  # fmt: skip
    tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    words = list(small)
    for ten in tens:
        words.append(ten)
        words.extend(f"{ten}-{one}" for one in small[:9])
    words.append("one hundred")
    return tuple(w[:1].upper() + w[1:] for w in words)


ENGLISH = Phrases(
    language="en",
    name="English",
    numbers=_english_numbers(),
    side_names=(("left", "Left side"), ("right", "Right side")),
    last_one="Last one",
    halfway="Halfway",
    seconds_left="{n} seconds left",
    minute_left="1 minute left",
    minutes_left="{n} minutes left",
    switch_sides="Switch sides. {side}",
    first_side="{side} first",
    set_of="Set {n} of {m}",
    sets_plan="{m} sets",
    round_of="Round {n} of {m}",
    rest="Rest",
    next_up="Next up: {name}",
    get_ready="Get ready",
    well_done="Well done",
    own_pace="{n} reps, at your own pace",
    press_play="Press play when you are ready",
    pause_if_longer="Pause the player if you need longer",
    pain_question="How does your back feel, from 0 (no pain) to 10?",
    effort_question="How hard did the session feel, from 0 (easy) to 10?",
)


def _german_numbers() -> tuple[str, ...]:
    # Units as they stand before "und" in 21..99: "ein", not "eins" (einundzwanzig).
    units = ["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
    small = [
        "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn",
        "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
        "achtzehn", "neunzehn",
    ]  # fmt: skip
    tens = ["zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]
    words = list(small)
    for ten in tens:
        words.append(ten)
        words.extend(f"{unit}und{ten}" for unit in units)
    words.append("hundert")
    return tuple(w[:1].upper() + w[1:] for w in words)


# Counting aloud, people say "du" to each other: the short, direct imperative.
GERMAN = Phrases(
    language="de",
    name="German",
    numbers=_german_numbers(),
    side_names=(("left", "Linke Seite"), ("right", "Rechte Seite")),
    last_one="Die Letzte",
    halfway="Halbzeit",
    seconds_left="Noch {n} Sekunden",
    minute_left="Noch eine Minute",
    minutes_left="Noch {n} Minuten",
    switch_sides="Seitenwechsel. {side}",
    first_side="{side} zuerst",
    set_of="Satz {n} von {m}",
    sets_plan="{m} Sätze",
    round_of="Runde {n} von {m}",
    rest="Pause",
    next_up="Als Nächstes: {name}",
    get_ready="Mach dich bereit",
    well_done="Gut gemacht",
    own_pace="{n} Wiederholungen, in deinem Tempo",
    press_play="Drück auf Play, wenn du so weit bist",
    pause_if_longer="Halte die Wiedergabe an, wenn du länger brauchst",
    pain_question="Wie fühlt sich dein Rücken an, von 0 (kein Schmerz) bis 10?",
    effort_question="Wie anstrengend war die Einheit, von 0 (leicht) bis 10?",
)


def _spanish_numbers() -> tuple[str, ...]:
    small = [
        "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
        "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
        "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés",
        "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho",
        "veintinueve",
    ]  # fmt: skip
    tens = ["treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
    words = list(small)
    for ten in tens:
        words.append(ten)
        words.extend(f"{ten} y {one}" for one in small[:9])
    words.append("cien")
    return tuple(w[:1].upper() + w[1:] for w in words)


# "Tú", as a coach speaks to one person; "la última" (repetición), "serie" for a set.
SPANISH = Phrases(
    language="es",
    name="Spanish",
    numbers=_spanish_numbers(),
    side_names=(("left", "Lado izquierdo"), ("right", "Lado derecho")),
    last_one="La última",
    halfway="Vas por la mitad",
    seconds_left="Quedan {n} segundos",
    minute_left="Queda un minuto",
    minutes_left="Quedan {n} minutos",
    switch_sides="Cambia de lado. {side}",
    first_side="{side} primero",
    set_of="Serie {n} de {m}",
    sets_plan="{m} series",
    round_of="Ronda {n} de {m}",
    rest="Descanso",
    next_up="A continuación: {name}",
    get_ready="Prepárate",
    well_done="Buen trabajo",
    own_pace="{n} repeticiones, a tu ritmo",
    press_play="Pulsa play cuando quieras seguir",
    pause_if_longer="Pausa el reproductor si necesitas más tiempo",
    pain_question="¿Cómo sientes la espalda, de 0 (sin dolor) a 10?",
    effort_question="¿Qué tan dura fue la sesión, de 0 (fácil) a 10?",
)

_TABLES: dict[str, Phrases] = {p.language: p for p in (ENGLISH, GERMAN, SPANISH)}

SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(sorted(_TABLES))


def base_language(tag: str) -> str:
    """The language of a tag, without its region or script: ``de-AT`` -> ``de``."""
    return tag.strip().lower().split("-", 1)[0]


def is_supported(tag: str) -> bool:
    """Whether voicecoach has phrases for ``tag`` (``es`` or a regional ``es-MX``)."""
    return base_language(tag) in _TABLES


def supported_list() -> str:
    """The supported languages for a message: ``de (German), en (English), es (Spanish)``."""
    return ", ".join(f"{code} ({_TABLES[code].name})" for code in SUPPORTED_LANGUAGES)


def phrases_for(language: str) -> Phrases:
    """The phrase table for ``language``: a code such as ``en``, or a regional tag such as
    ``en-GB`` or ``es-MX``, which gets its language's table."""
    table = _TABLES.get(base_language(language))
    if table is None:
        raise VoicecoachError(
            f"voicecoach has no phrases for language {language!r}; "
            f"set `language:` to one of: {supported_list()}"
        )
    return table
