"""The translation catalogs in locale/: Bokmål complete, and every .mo built from its .po.

No database. The .po files are read with a small parser here, so no extra dependency is needed.
See locale/README.md for the workflow when strings are added.
"""

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|\{\{.*?\}\}|\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def fuzzy(self):
        return "fuzzy" in self.flags

    @property
    def translated(self):
        return bool(self.msgstr) and all(self.msgstr.values())

    @property
    def key(self):
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse_po(path):
    """Entries of a .po file, the header included (msgid ""); obsolete (#~) entries are left out."""
    entries, entry, target = [], Entry(), None

    def finish():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if target is not None:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if target is not None and not line.startswith("#~"):
                finish()
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: text outside an entry"
            append(entry, target, ast.literal_eval(line))
        else:
            keyword, _space, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and target not in (None, "msgctxt"):
                finish()
            if target is None:
                entry.line = number
            target = keyword
            append(entry, target, ast.literal_eval(rest))
    finish()
    return entries


def append(entry, target, text):
    if target == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif target == "msgid":
        entry.msgid += text
    elif target == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    elif target == "msgstr":
        entry.msgstr[0] = entry.msgstr.get(0, "") + text
    elif (match := re.fullmatch(r"msgstr\[(\d+)\]", target)) is not None:
        index = int(match.group(1))
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        raise AssertionError(f"unknown keyword {target!r} in .po file")


def po_path(lang):
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def mo_catalog(path):
    with path.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header
    return catalog


def expected_catalog(entries):
    """What msgfmt puts in the .mo: translated entries that are not fuzzy."""
    catalog = {}
    for entry in entries:
        if not entry.msgid or entry.fuzzy or not entry.translated:
            continue
        if entry.msgid_plural is None:
            catalog[entry.key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                catalog[(entry.key, index)] = text
    return catalog


def describe(entries):
    return "\n".join(f"  line {entry.line}: {entry.msgid!r}" for entry in entries)


@pytest.fixture(scope="module")
def bokmal():
    entries = [entry for entry in parse_po(po_path("nb")) if entry.msgid]
    assert len(entries) > 100, "locale/nb/LC_MESSAGES/django.po looks empty: run makemessages"
    return entries


def test_every_bokmal_entry_is_translated(bokmal):
    untranslated = [entry for entry in bokmal if not entry.translated]
    assert not untranslated, "Untranslated in locale/nb/LC_MESSAGES/django.po:\n" + describe(untranslated)


def test_no_bokmal_entry_is_fuzzy(bokmal):
    fuzzy = [entry for entry in bokmal if entry.fuzzy]
    assert not fuzzy, (
        "Fuzzy (guessed by msgmerge, not used by Django) in locale/nb/LC_MESSAGES/django.po; "
        "check the translation and remove '#, fuzzy':\n" + describe(fuzzy)
    )


def test_bokmal_header_has_no_fuzzy_flag():
    header = next(entry for entry in parse_po(po_path("nb")) if entry.msgid == "")
    assert not header.fuzzy
    assert "Language: nb\n" in header.msgstr[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang):
    """%(name)s and friends must survive translation exactly, or the page shows an error or raw text."""
    wrong = [
        entry
        for entry in parse_po(po_path(lang))
        if entry.msgid
        and entry.translated
        and any(
            sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
            for index, text in entry.msgstr.items()
            if index > 0 or entry.msgid_plural is None
        )
    ]
    assert not wrong, f"Placeholders differ from the English in locale/{lang}:\n" + describe(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_mo_matches_po(lang):
    """The committed .mo holds exactly the .po's translations: compilemessages was run after the last edit."""
    mo = po_path(lang).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run compilemessages"
    expected, actual = expected_catalog(parse_po(po_path(lang))), mo_catalog(mo)
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys())
    stale += sorted(str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key])
    assert not stale, f"{mo} is out of date with django.po (run compilemessages):\n  " + "\n  ".join(stale[:20])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_mo_matches_msgfmt_output(lang, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po_path(lang))], check=True)
    assert mo_catalog(po_path(lang).with_suffix(".mo")) == mo_catalog(fresh), (
        f"locale/{lang}/LC_MESSAGES/django.mo is out of date: run compilemessages"
    )


# What `make messages` leaves out of the walk; the copy below leaves out the same.
NOT_SCANNED = (".venv", ".git", "static", "staticfiles", "var", "locale", "__pycache__", "node_modules")


def test_the_catalog_holds_every_string_in_the_code(tmp_path, settings, monkeypatch):
    """A string added to the code but not to the catalog would show in English to everyone."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed")
    source = tmp_path / "source"
    shutil.copytree(settings.BASE_DIR, source, ignore=shutil.ignore_patterns(*NOT_SCANNED))
    (tmp_path / "locale" / "nb" / "LC_MESSAGES").mkdir(parents=True)
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["nb"], verbosity=0, no_location=True)
    extracted = {entry.key for entry in parse_po(tmp_path / "locale" / "nb" / "LC_MESSAGES" / "django.po")}
    committed = {entry.key for entry in parse_po(po_path("nb"))}
    missing = sorted(extracted - committed)
    assert not missing, "Not in locale/nb/LC_MESSAGES/django.po (run `make messages` and translate):\n" + "\n".join(
        f"  {key!r}" for key in missing
    )


@pytest.mark.parametrize(
    ("english", "bokmal_text"),
    [
        ("Log in", "Logg inn"),
        ("Emergency access", "Nødtilgang"),
        ("Who has looked at my information", "Hvem har sett opplysningene mine"),
        ("Care team", "Hjelpeteam"),
    ],
)
def test_django_serves_bokmal(english, bokmal_text):
    with translation.override("nb"):
        assert translation.gettext(english) != english
        assert translation.gettext(english) == bokmal_text


def test_django_serves_bokmal_with_placeholders():
    with translation.override("nb"):
        text = translation.gettext("Hello, %(name)s") % {"name": "Kari"}
    assert text == "Hei, Kari"


def test_english_stays_english():
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
