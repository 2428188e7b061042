#!/usr/bin/env bash
# The core's message catalogues (domain "messages", Italian and English).
#
#   scripts/i18n.sh extract   sources -> core/translations/messages.pot
#   scripts/i18n.sh update    messages.pot -> it and en messages.po (new ones created)
#   scripts/i18n.sh compile   messages.po -> messages.mo (both are committed)
#
# Works from any folder. Uses the project's .venv when there is one, else the
# pybabel on PATH; set PYBABEL to choose another.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ -z "${PYBABEL:-}" ]]; then
    if [[ -x "$ROOT/.venv/bin/pybabel" ]]; then
        PYBABEL="$ROOT/.venv/bin/pybabel"
    else
        PYBABEL=pybabel
    fi
fi

TRANSLATIONS=core/translations
POT="$TRANSLATIONS/messages.pot"
LOCALES=(it en)
VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' __init__.py)"

extract() {
    # Only the core: tests/ and plugins/ are not part of this catalogue.
    "$PYBABEL" extract \
        -F babel.cfg \
        -k lazy_gettext -k _l \
        --project=Sportello \
        --version="$VERSION" \
        --copyright-holder="Sportello" \
        --sort-by-file \
        -o "$POT" \
        __init__.py hookspecs.py core
}

update() {
    for locale in "${LOCALES[@]}"; do
        if [[ -f "$TRANSLATIONS/$locale/LC_MESSAGES/messages.po" ]]; then
            "$PYBABEL" update -i "$POT" -d "$TRANSLATIONS" -l "$locale"
        else
            "$PYBABEL" init -i "$POT" -d "$TRANSLATIONS" -l "$locale"
        fi
    done
}

compile() {
    "$PYBABEL" compile -d "$TRANSLATIONS" --statistics
}

case "${1:-}" in
    extract) extract ;;
    update) update ;;
    compile) compile ;;
    *)
        echo "usage: $0 extract|update|compile" >&2
        exit 2
        ;;
esac
