#!/usr/bin/env bash
# Refreshes the translation template po/rounds.pot from the strings the
# sources mark with _() or N_() (i18n/i18n.h), and merges it into every
# po/LANG.po, so a translator sees what is new (untranslated) or changed
# (fuzzy). Run it after changing marked strings; test_i18n fails while a
# marked string has no translation.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mapfile -t srcs < <(git ls-files '*.c' proto/errors.h |
  grep -v -E '^(tests|bench)/')
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=XX:2 \
  --add-comments=TRANSLATORS: --package-name=rounds \
  --package-version="$(sed -n 's/^project(rounds VERSION \([0-9.]*\).*/\1/p' \
    CMakeLists.txt)" \
  --msgid-bugs-address=office@rounds.invalid --sort-by-file \
  -o po/rounds.pot "${srcs[@]}"
for po in po/*.po; do
  msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" \
    po/rounds.pot
  msgfmt --check --statistics -o /dev/null "$po"
done
