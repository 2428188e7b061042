"""The core's catalogues are complete and current, and people see their language."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from sportello.testing import TEST_PASSWORD, login

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "core" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LOCALES = ("it", "en")
#: What scripts/i18n.sh extract reads (never tests/ nor plugins/) and its extra keywords.
SOURCES = ("__init__.py", "hookspecs.py", "core")
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\([a-zA-Z_]\w*\)[sdif]")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def message_ids(catalog: Catalog) -> set[Any]:
    return {message.id for message in catalog if message.id}


# ---------------------------------------------------------------------------
# The catalogues
# ---------------------------------------------------------------------------


def translated_ids(path: Path) -> set[str]:
    """msgids (singular) with a complete, non-fuzzy translation."""
    done = set()
    for message in read_catalog(path):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and all(strings) and not message.fuzzy:
            done.add(message.id if isinstance(message.id, str) else message.id[0])
    return done


PLUGIN_FOLDERS = sorted(folder for folder in (ROOT / "plugins").iterdir() if (folder / "babel.cfg").exists())


@pytest.mark.parametrize("folder", PLUGIN_FOLDERS, ids=lambda folder: folder.name)
def test_every_text_of_a_plugin_is_translated_where_it_is_looked_up(folder: Path) -> None:
    """A plugin's texts are found in its own Italian catalogue, the core's, or those of
    the plugins it requires (always enabled with it): never only in an optional one."""
    import importlib

    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (folder / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    used = {
        message if isinstance(message, str) else message[0]
        for path, _line, message, _comments, _context in extract_from_dir(folder, method_map, options_map, keywords=KEYWORDS)
        if not path.startswith(("tests", "migrations")) and message
    }
    module = importlib.import_module(f"sportello_{folder.name}")
    available = translated_ids(TRANSLATIONS / "it" / "LC_MESSAGES" / "messages.po")
    for name in (folder.name, *module.PLUGIN.requires):
        available |= translated_ids(ROOT / "plugins" / name / "translations" / "it" / "LC_MESSAGES" / "messages.po")
    missing = sorted(used - available)
    assert not missing, f"untranslated in Italian for {folder.name}: {missing}"


def test_every_message_has_an_italian_translation() -> None:
    template = read_catalog(TEMPLATE)
    italian = read_catalog(TRANSLATIONS / "it" / "LC_MESSAGES" / "messages.po", "it")
    assert not italian.fuzzy, "the Italian catalogue's header is marked fuzzy: pybabel compile would skip it"
    problems = []
    for msgid in sorted(message_ids(template), key=str):
        message = italian.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r} (run scripts/i18n.sh update)")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            problems.append(f"untranslated: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        else:
            ids = msgid if isinstance(msgid, tuple) else (msgid,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set(PLACEHOLDER.findall(" ".join(ids)))
            for string in strings:
                if set(PLACEHOLDER.findall(string)) != wanted:
                    problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
    assert not problems, "Italian catalogue:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogues_match_their_sources(locale: str) -> None:
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    assert (folder / "messages.po").is_file(), f"{locale}: messages.po is missing (run scripts/i18n.sh update)"
    assert (folder / "messages.mo").is_file(), f"{locale}: messages.mo is missing (run scripts/i18n.sh compile)"
    compiled = BytesIO()
    write_mo(compiled, read_catalog(folder / "messages.po", locale))
    assert compiled.getvalue() == (folder / "messages.mo").read_bytes(), (
        f"{locale}: messages.mo is older than messages.po (run scripts/i18n.sh compile)"
    )


def test_the_template_holds_every_translatable_text_of_the_sources() -> None:
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file, "babel.cfg")
    found: set[Any] = set()
    for source in SOURCES:
        path = ROOT / source
        if path.is_dir():
            extracted = extract_from_dir(path, method_map, options_map, keywords=KEYWORDS)
        else:
            extracted = check_and_call_extract_file(
                path, method_map, options_map, callback=None, keywords=KEYWORDS,
                comment_tags=(), strip_comment_tags=False, dirpath=ROOT,
            )
        found.update(message for _file, _line, message, _comments, _context in extracted)
    assert len(found) > 20, "extraction found almost nothing: is babel.cfg right?"
    missing = found - message_ids(read_catalog(TEMPLATE))
    assert not missing, f"not in messages.pot (run scripts/i18n.sh extract, then update): {sorted(missing, key=str)}"


# ---------------------------------------------------------------------------
# What people see
# ---------------------------------------------------------------------------


def page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_login_page_follows_the_browser_language(client: Any) -> None:
    italian = page(client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"}))
    assert '<html lang="it">' in italian
    assert "Accedi" in italian
    assert "Sign in" not in italian

    english = page(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert '<html lang="en">' in english
    assert "Sign in" in english
    assert "Accedi" not in english

    unknown = page(client.get("/login", headers={"Accept-Language": "de"}))
    assert '<html lang="it">' in unknown, "a language Sportello does not have falls back to Italian"
    assert "Accedi" in unknown


@pytest.fixture
def italian_user(app: Any) -> Any:
    from sportello.core.users import create_user

    with app.app_context():
        return create_user(
            email="mario.rossi@example.test",
            name="Mario Rossi",
            profile_code="system_admin",
            password=TEST_PASSWORD,
            language="it",
        )


def test_a_user_whose_language_is_italian_sees_italian(client: Any, italian_user: Any) -> None:
    login(client, italian_user)
    home = page(client.get("/", headers={"Accept-Language": "en"}))  # the user's setting wins
    assert '<html lang="it">' in home
    assert "Buon lavoro, Mario" in home
    assert "Impostazioni" in home
    assert "Amministrazione" in home
    assert "Esci" in home
    assert "Settings" not in home
    assert "Sign out" not in home


def test_choosing_english_switches_the_pages_to_english(client: Any, italian_user: Any) -> None:
    login(client, italian_user)
    token = CSRF_META.search(page(client.get("/")))
    assert token, "no csrf-token meta tag on the home page"

    response = client.post("/language", data={"language": "en", "csrf_token": token.group(1)})
    assert response.status_code == 302

    home = page(client.get("/", headers={"Accept-Language": "it"}))  # the saved setting wins
    assert '<html lang="en">' in home
    assert "Good to see you, Mario" in home
    assert "Settings" in home
    assert "Administration" in home
    assert "Sign out" in home
    assert "Impostazioni" not in home


def test_an_unknown_language_is_refused(client: Any, users: dict[str, Any]) -> None:
    login(client, users["salesperson"])
    token = CSRF_META.search(page(client.get("/")))
    assert token
    response = client.post("/language", data={"language": "de", "csrf_token": token.group(1)})
    assert response.status_code == 400


def test_no_two_catalogues_translate_the_same_text_differently() -> None:
    """Catalogues are merged and the last one wins: the same English text (and context)
    translated two ways would show one of them on the other's pages."""
    catalogues = {"core": TRANSLATIONS / "it" / "LC_MESSAGES" / "messages.po"}
    catalogues |= {folder.name: folder / "translations" / "it" / "LC_MESSAGES" / "messages.po" for folder in PLUGIN_FOLDERS}
    seen: dict[tuple[Any, str], dict[str, str]] = {}
    for name, path in catalogues.items():
        for message in read_catalog(path):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and all(strings) and not message.fuzzy:
                key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
                seen.setdefault(key, {})[name] = " | ".join(strings)
    conflicts = {key: found for key, found in seen.items() if len(set(found.values())) > 1}
    assert not conflicts, f"translated differently (give the text a context or one wording): {conflicts}"
