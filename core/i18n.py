"""Languages: Italian and English, chosen from the user's setting, then the browser."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request
from flask_babel import Babel
from flask_login import current_user

LANGUAGES = {"it": "Italiano", "en": "English"}
CORE_TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """The user's language, else the best match of Accept-Language, else the default."""
    user = current_user
    if user and getattr(user, "is_authenticated", False) and user.language in LANGUAGES:
        return user.language
    if request:
        match = request.accept_languages.best_match(list(LANGUAGES))
        if match:
            return match
    return current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["DEFAULT_TIMEZONE"]


def init_babel(app: Flask, extra_dirs: list[Path]) -> Babel:
    """Set up Flask-Babel with the core catalogues merged with the plugins'."""
    folders = [CORE_TRANSLATIONS, *extra_dirs]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(Path(f).resolve()) for f in folders)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["DEFAULT_TIMEZONE"]
    return Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
