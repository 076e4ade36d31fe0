"""Every error code and notice is translated in every language, with the same keys."""

from __future__ import annotations

import re

from support.paths import ROOT

from lookup.errors import ERROR_CODES
from lookup.i18n import catalog, languages
from lookup.service import NOTICE_CODES

NOTICES = set(NOTICE_CODES)


def test_languages() -> None:
    assert {"en", "es"} <= set(languages())


def test_every_code_in_every_language() -> None:
    en = catalog("en")
    assert set(en["errors"]) == set(ERROR_CODES)
    assert set(en["notices"]) == NOTICES
    for lang in languages():
        cat = catalog(lang)
        for section in en:
            assert set(cat[section]) == set(en[section]), (lang, section)
            for key, text in cat[section].items():
                assert text.strip(), (lang, section, key)
                # Same placeholders as English, so formatting never fails.
                assert set(re.findall(r"{(\w+)}", text)) == set(
                    re.findall(r"{(\w+)}", en[section][key])
                ), (lang, key)


def test_readme_documents_every_error_code() -> None:

    readme = (ROOT / "README.md").read_text()
    for code in ERROR_CODES:
        assert f"`{code}`" in readme, code
