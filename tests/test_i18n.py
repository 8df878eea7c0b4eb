"""The English translation: a complete catalog, a compiled file in step with it, English pages and messages.

Source strings are Chinese; English comes from locale/en/LC_MESSAGES/django.po and its compiled django.mo
(committed, so a machine without GNU gettext still gets English). The catalog is read with a small parser
here, so no extra package is needed.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from members import idcard
from members.codes import PoliticalStatus, Sex
from members.models import Person

BASE = Path(settings.BASE_DIR)
PO = BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCE_APPS = ("branches", "members", "reports", "recruitment", "ratings", "config")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
# Han characters and CJK punctuation (the ideographic space U+3000 indents option labels and is left out).
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3001-\u303f\uff01-\uff60]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sd]")


# ---- a minimal .po reader -------------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural.get(i, "") for i in range(2)]


def read_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, target = None, None
            continue
        if entry is None:
            entry = Entry()
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, raw
            _append(entry, target, ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d)\]", keyword)
            target = ("msgstr_plural", int(match.group(1))) if match else (keyword, None)
            assert target[0] in {"msgid", "msgid_plural", "msgctxt", "msgstr", "msgstr_plural"}, raw
            if target[0] in ("msgid_plural", "msgctxt"):
                setattr(entry, target[0], "")
            _append(entry, target, ast.literal_eval(value))
    return entries


def _append(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    name, index = target
    if index is not None:
        entry.msgstr_plural[index] = entry.msgstr_plural.get(index, "") + text
    else:
        setattr(entry, name, getattr(entry, name) + text)


def po_catalog(entries: list[Entry]) -> dict[str | tuple[str, int], str]:
    """What the compiled file must contain: the same shape as gettext.GNUTranslations._catalog."""
    catalog: dict[str | tuple[str, int], str] = {}
    for e in entries:
        if e.obsolete or "fuzzy" in e.flags:
            continue
        if e.msgid_plural is None:
            catalog[e.key] = e.msgstr
        else:
            for i, text in enumerate(e.translations):
                catalog[(e.key, i)] = text
    return catalog


def mo_catalog(path: Path) -> dict[str | tuple[str, int], str]:
    with path.open("rb") as fp:
        return dict(gettext.GNUTranslations(fp)._catalog)


def without_creation_date(catalog: dict[str | tuple[str, int], str]) -> dict[str | tuple[str, int], str]:
    """msgfmt leaves the POT-Creation-Date header field out of .mo files (reproducible builds)."""
    header = "".join(line for line in catalog.get("", "").splitlines(keepends=True)
                     if not line.startswith("POT-Creation-Date:"))
    return {**catalog, "": header}


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return read_po(PO)


@pytest.fixture(autouse=True)
def _back_to_default_language():
    """Requests activate a language in this thread; later tests must see the default (Chinese) again."""
    yield
    translation.deactivate()


# ---- (a) the catalog is complete ---------------------------------------------------------------------------


def test_header_declares_english_with_plurals(entries):
    header = entries[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr
    assert "charset=UTF-8" in header.msgstr


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    live = [e for e in entries[1:] if not e.obsolete]
    assert len(live) > 500
    untranslated = [e.key for e in live if not all(t.strip() for t in e.translations)]
    fuzzy = [e.key for e in live if "fuzzy" in e.flags]
    obsolete = [e.key for e in entries if e.obsolete]
    assert untranslated == []
    assert fuzzy == []
    assert obsolete == []


def test_translations_are_english_and_keep_every_placeholder(entries):
    for e in entries[1:]:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for source, text in zip(sources * 2 if e.msgid_plural else sources, e.translations, strict=False):
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), (e.msgid, text)
        for text in e.translations:
            # The language switcher names Chinese in Chinese, whatever the current language.
            if e.msgid != "简体中文":
                assert not CJK.search(text), (e.msgid, text)


def test_plural_entries_have_singular_and_plural_forms(entries):
    plurals = [e for e in entries if e.msgid_plural is not None]
    assert plurals
    for e in plurals:
        assert sorted(e.msgstr_plural) == [0, 1], e.msgid
        assert e.msgstr_plural[0] != e.msgstr_plural[1], e.msgid


def _source_msgids() -> set[str]:
    """Literal msgids of gettext calls in the apps and of {% translate "…" %} tags in the templates."""
    found: set[str] = set()
    for app in SOURCE_APPS:
        for path in (BASE / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in GETTEXT_NAMES:
                    continue
                args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if name.startswith("pgettext") and len(args) >= 2:
                    found.add(f"{args[0]}\x04{args[1]}")
                elif args and not name.startswith("pgettext"):
                    found.add(args[0])
    tag = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.*?)\1(?:\s+context\s+(["'])(.*?)\3)?[^%]*%\}""")
    for path in (BASE / "templates").rglob("*.html"):
        for match in tag.finditer(path.read_text(encoding="utf-8")):
            found.add(f"{match.group(4)}\x04{match.group(2)}" if match.group(4) else match.group(2))
    return found


def test_catalog_covers_the_strings_marked_in_code_and_templates(entries):
    keys = {e.key for e in entries if not e.obsolete}
    missing = sorted(_source_msgids() - keys)
    assert missing == [], "run `make messages` and translate the new entries in locale/en"


# ---- (b) the compiled file matches the catalog ---------------------------------------------------------


def test_compiled_catalog_matches_the_po_file(entries):
    assert without_creation_date(mo_catalog(MO)) == without_creation_date(po_catalog(entries)), "recompile: `make compilemessages` (or manage.py compilemessages)"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_po_file_compiles_cleanly_with_format_checks(tmp_path, entries):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(out), str(PO)], check=True, capture_output=True)
    assert mo_catalog(out) == mo_catalog(MO)


# ---- (c) pages in English ------------------------------------------------------------------------------

NAV_ZH = ["工作台", "人员", "导出与任务", "退出登录", "修改密码", "党建工作管理平台"]


def _data_words(world) -> list[str]:
    """Names stored in the database (Chinese whatever the language), longest first."""
    from branches.models import Organization

    words = {"简体中文"}
    for name, short_name in Organization.objects.values_list("name", "short_name"):
        words |= {name, short_name}
    for (name,) in Person.objects.values_list("name"):
        words |= {name, name[0]}
    return sorted(words, key=len, reverse=True)


def _untranslated(html: str, world) -> list[str]:
    for word in _data_words(world):
        html = html.replace(word, "")
    return sorted(set(CJK.findall(html)))


def _english_client(client, login, username: str):
    client = login(username)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


def test_login_page_switches_to_english(client, world):
    assert "用户名" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    for word in ("Log in", "Username", "Password", "Party Building Portal"):
        assert word in html
    assert '<html lang="en">' in html
    assert _untranslated(html, world) == []
    assert "用户名" not in html


@pytest.mark.parametrize(
    ("username", "path", "words"),
    [
        ("zuzhibu", "/", ["Dashboard", "Health warnings", "Committees / general branches", "Organization tree"]),
        ("shuji_a", "/", ["Dashboard", "Recent changes to people", "People in this branch", "Shortcuts"]),
        ("zuzhibu", "/orgs/", ["Party organizations", "Expand all", "Show closed", "Search organizations"]),
        ("zuzhibu", "/people/", ["People", "Name", "Age", "More filters and sorting", "By name (pinyin)"]),
        ("zuzhibu", "member_a", ["Basic information", "Date of birth", "ID number", "Party membership", "(age "]),
    ],
)
def test_pages_render_in_english(client, login, world, username, path, words):
    english = _english_client(client, login, username)
    if path == "member_a":
        path = f"/people/{world.member_a.pk}/"
    response = english.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    for word in [*words, "Log out", "Exports"]:
        assert word in html, word
    for label in NAV_ZH:
        assert label not in html, label
    if username == "zuzhibu":  # (the branch dashboard lists audit entries, named in the language they were made in)
        assert _untranslated(html, world) == []


def test_accept_language_header_also_selects_english(client, login, world):
    html = login("zuzhibu").get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More filters and sorting" in html
    assert "更多筛选与排序" not in html


def test_chinese_stays_the_default(client, login, world):
    html = login("zuzhibu").get("/people/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "更多筛选与排序" in html
    assert "More filters and sorting" not in html


# ---- (d) service errors follow the language --------------------------------------------------------------

BIRTH = "1992-03-08"


def _person_form(world, id_number: str) -> dict[str, object]:
    return {
        "name": "钱堃", "sex": Sex.MALE, "ethnicity": "01", "birth_date": BIRTH, "id_number": id_number,
        "political_status": PoliticalStatus.MASSES, "organization": world.branch_a.pk, "education": "11",
        "title_level": "intermediate", "phone": "13900000000", "m-status": "normal",
    }


def _wrong_check_digit() -> str:
    import datetime

    valid = idcard.make("110101", datetime.date(1992, 3, 8), 9, Sex.MALE)
    return valid[:17] + ("0" if valid[17] != "0" else "1")


def test_invalid_id_number_message_is_english_in_english_mode(client, login, world):
    english = _english_client(client, login, "shuji_a")
    response = english.post("/people/new/", _person_form(world, _wrong_check_digit()))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The check digit of this ID number is wrong; please check it for typing errors." in html
    assert "Not saved. Correct the fields marked in red and submit again." in html
    assert "公民身份号码校验位不正确" not in html
    assert not Person.objects.filter(name="钱堃").exists()


def test_invalid_id_number_message_is_chinese_by_default(client, login, world):
    response = login("shuji_a").post("/people/new/", _person_form(world, _wrong_check_digit()))
    assert response.status_code == 200
    html = response.content.decode()
    assert "公民身份号码校验位不正确，请核对是否录入有误。" in html
    assert "check digit" not in html
    assert not Person.objects.filter(name="钱堃").exists()


def test_api_error_follows_accept_language(world):
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(User.objects.get(username="shuji_a"))
    payload = {**_person_form(world, _wrong_check_digit()), "birth_date": BIRTH}
    payload = {k: v for k, v in payload.items() if not k.startswith("m-") and k != "title_level"}
    english = api.post("/api/v1/people/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api.post("/api/v1/people/", payload, format="json")
    assert english.status_code == chinese.status_code == 400
    assert english.data["id_number"] == ["The check digit of this ID number is wrong; please check it for typing errors."]
    assert chinese.data["id_number"] == ["公民身份号码校验位不正确，请核对是否录入有误。"]
    assert not Person.objects.filter(name="钱堃").exists()
