"""The core's pages: home, global search, settings, installed modules, language."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from ..db import current_session
from ..i18n import LANGUAGES
from ..plugins import core_version
from ..settings_store import load_section, save_section, settings_sections
from .blueprint import core, safe_next
from .guards import requires
from .settings_form import describe_fields, form_values

SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT_PER_PLUGIN = 10


@core.route("/")
def home() -> str:
    plugins = current_app.extensions["sportello"].plugins
    widgets = sorted(plugins.collect("dashboard_widgets", user=current_user), key=lambda w: (w.order, w.key))
    return render_template("core/home.html", widgets=widgets, plugin_count=len(plugins.order))


@core.route("/search")
def search() -> str:
    text = (request.args.get("q") or "").strip()
    results: list[Any] = []
    if len(text) >= SEARCH_MIN_LENGTH:
        plugins = current_app.extensions["sportello"].plugins
        found = plugins.collect("search", user=current_user, text=text, limit=SEARCH_LIMIT_PER_PLUGIN)
        results = sorted(found, key=lambda r: -r.score)
    template = "core/_search_results.html" if request.headers.get("HX-Request") else "core/search.html"
    return render_template(template, text=text, results=results, too_short=0 < len(text) < SEARCH_MIN_LENGTH)


def _editable_sections() -> list[Any]:
    return [s for s in settings_sections().values() if current_user.can(s.permission)]


@core.route("/settings")
def settings_index() -> Any:
    sections = _editable_sections()
    if not sections:
        abort(403)
    return redirect(url_for("core.settings_page", key=sections[0].key))


@core.route("/settings/<key>", methods=["GET", "POST"])
def settings_page(key: str) -> Any:
    sections = _editable_sections()
    section = next((s for s in sections if s.key == key), None)
    if section is None:
        abort(404)
    schema = section.schema()
    session = current_session()
    errors: dict[str, Any] = {}
    values = load_section(session, section)
    if request.method == "POST":
        submitted = form_values(schema, request.form)
        for name, field in schema.fields.items():
            if field.metadata.get("secret") and not submitted.get(name):
                submitted[name] = values.get(name)  # a blank secret means "unchanged"
        try:
            loaded = schema.load(submitted)
        except ValidationError as error:
            errors = error.normalized_messages()
            values.update(submitted)
            flash(_("Some values are not valid: see the marked fields."), "danger")
        else:
            save_section(session, section, schema.dump(loaded))
            session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("core.settings_page", key=key))
    return render_template(
        "core/settings.html",
        sections=sections,
        section=section,
        fields=describe_fields(schema, values, errors),
    )


@core.route("/modules")
@requires("core.plugins")
def plugins_page() -> str:
    plugins = current_app.extensions["sportello"].plugins
    return render_template(
        "core/plugins.html",
        loaded=[plugins.loaded[name] for name in plugins.order],
        disabled=[p for name, p in plugins.installed.items() if name not in plugins.loaded],
        version=core_version(),
    )


@core.route("/language", methods=["POST"])
def set_language() -> Any:
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    current_user.language = language
    current_session().commit()
    return redirect(safe_next(request.form.get("next")) or url_for("core.home"))
