"""The English switch: pages, flash messages and domain errors follow the chosen language, and the
English catalog is complete, compiled and in step with the source strings.

The msgids are the Chinese source strings. After adding or changing one, run
    uv run python manage.py makemessages -l en --ignore=.venv --ignore=.local
translate the new entries in locale/en/LC_MESSAGES/django.po, then
    uv run python manage.py compilemessages --ignore=.venv
and commit both the .po and the .mo.
"""

import ast
import gettext as pygettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from apps.chains.models import ChainEntry
from apps.chains.receipts import receipt_url
from apps.chains.services import chain_order_place
from tests.chains.factories import ChainSetup, open_chain

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# Han characters and CJK (full-width) punctuation: what an untranslated Chinese label leaves behind.
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")
# A translation may quote Chinese it refers to literally, e.g. a column header of a WeChat bill.
QUOTED = re.compile(r"“[^”]*”")


# --- A small .po reader: enough for the files makemessages writes ---------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def read_po(path: Path) -> list[Entry]:
    """Entries in file order, the header included; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            current = None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry()
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += text
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
        else:
            keyword, value = line.split(" ", 1)
            text = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
                current.msgstr[index] = text
                target = ("msgstr", index)
            else:
                setattr(current, keyword, text)
                target = (keyword, 0)
    return entries


def messages_of(path: Path) -> list[Entry]:
    return [entry for entry in read_po(path) if entry.msgid]


# --- Pages in English and in Chinese --------------------------------------------------------------


@pytest.fixture
def english(client: Client) -> Client:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def untranslated(page: str, data: list[str]) -> list[str]:
    """Chinese left on a page once the data (titles, names, addresses) and the language switch's
    own name (简体中文, shown in its own language on purpose) are taken out."""
    for value in sorted({*data, "简体中文"}, key=len, reverse=True):
        page = page.replace(value, "")
    return [page[max(0, m.start() - 40) : m.end() + 40] for m in CHINESE.finditer(page)]


def chain_data(setup: ChainSetup) -> list[str]:
    chain = setup.chain
    values = [chain.title, chain.description, chain.community.name, chain.leader.shown_name]
    values += [point.name for point in setup.pickup_points]
    values += [point.address for point in setup.pickup_points]
    values += [item.title for item in setup.items]
    return values


def place_orders(setup: ChainSetup, count: int) -> None:
    for n in range(count):
        chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name=f"顾客{n}",
            contact_phone=f"1350000{n:04d}",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token=f"i18n-{n}",
        )


def form_token(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "the order form carries a submission token"
    return match.group(1)


@pytest.mark.django_db
def test_the_chain_page_is_in_english_when_english_is_chosen(english: Client) -> None:
    setup = open_chain()

    page = english.get(f"/c/{setup.chain.slug}/").content.decode()

    assert '<html lang="en">' in page
    for text in ("Place order", "Choose items", "Order deadline: ", "Total: ", "Group leader"):
        assert text in page
    assert "0 people have joined" in page
    # The countdown's words come from the page, so they switch with it.
    assert 'data-days="({d}d {h}h {m}m {s}s left)"' in page
    assert "接龙下单" not in page
    assert untranslated(page, chain_data(setup)) == []


@pytest.mark.django_db
def test_the_accept_language_header_alone_gives_english(client: Client) -> None:
    setup = open_chain()

    page = client.get(f"/c/{setup.chain.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Place order" in page
    assert "接龙下单" not in page


@pytest.mark.django_db
def test_pages_stay_chinese_by_default(client: Client) -> None:
    setup = open_chain()

    chain_page = client.get(f"/c/{setup.chain.slug}/").content.decode()
    login_page = client.get("/accounts/login/").content.decode()

    assert '<html lang="zh-hans">' in chain_page
    assert "接龙下单" in chain_page and "Place order" not in chain_page
    assert "（{d}天{h}小时{m}分{s}秒）" in chain_page
    assert "用户名或手机号" in login_page and "Password" not in login_page


@pytest.mark.django_db
def test_the_login_page_is_in_english(english: Client) -> None:
    page = english.get("/accounts/login/").content.decode()

    for text in ("Sign in", "Username or phone number", "Password", "Group Buy Assistant"):
        assert text in page
    assert untranslated(page, []) == []


@pytest.mark.django_db
def test_the_leader_pages_are_in_english(english: Client) -> None:
    setup = open_chain()
    place_orders(setup, 2)
    english.force_login(setup.leader)
    data = [*chain_data(setup), "顾客0", "顾客1"]

    manage = english.get(f"/leader/chains/{setup.chain.pk}/").content.decode()
    chains = english.get("/leader/chains/").content.decode()

    for text in ("Pick sheet", "Confirm pickup", "Mark as paid", "Awaiting payment", "All"):
        assert text in manage
    assert "My group orders" in chains and "2 people" in chains
    assert "批量操作" not in manage
    assert untranslated(manage, data) == []
    assert untranslated(chains, data) == []


@pytest.mark.django_db
def test_a_domain_error_is_shown_in_english(english: Client) -> None:
    setup = open_chain()
    token = form_token(english.get(f"/c/{setup.chain.slug}/").content.decode())

    response = english.post(
        f"/c/{setup.chain.slug}/",
        {
            "contact_name": "Wang",
            "contact_phone": "13800138000",
            "pickup_point": setup.pickup_points[0].pk,
            "token": token,
            f"qty_{setup.items[0].pk}": 0,
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one item" in page
    assert "请至少选择一件商品" not in page


@pytest.mark.django_db
def test_flash_messages_are_in_english_with_plural_counts(english: Client) -> None:
    setup = open_chain()
    place_orders(setup, 2)
    english.force_login(setup.leader)
    entries = list(ChainEntry.objects.order_by("sequence"))

    response = english.post(
        f"/leader/chains/{setup.chain.pk}/entries/",
        {"action": "mark_paid", "entry": [entry.pk for entry in entries]},
        follow=True,
    )

    assert "Marked as paid: 2 orders" in response.content.decode()


@pytest.mark.django_db
def test_the_receipt_names_the_amount_to_pay_in_both_languages(client: Client) -> None:
    setup = open_chain()
    place_orders(setup, 1)
    url = receipt_url(ChainEntry.objects.get())

    assert "请把货款 ¥29.90 直接付给团长" in client.get(url).content.decode()
    assert (
        "Please pay ¥29.90 directly" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


# --- The catalog itself ---------------------------------------------------------------------------


def test_every_message_has_an_english_translation() -> None:
    entries = messages_of(PO)
    assert len(entries) > 300

    empty = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    plural = [e.msgid for e in entries if e.msgid_plural is not None and len(e.msgstr) != 2]
    still_chinese = [
        e.msgid
        for e in entries
        if any(CHINESE.search(QUOTED.sub("", text)) for text in e.msgstr.values())
    ]

    assert empty == [], "untranslated in locale/en/LC_MESSAGES/django.po"
    assert fuzzy == [], "fuzzy (unchecked) in locale/en/LC_MESSAGES/django.po"
    assert plural == [], "English needs a singular and a plural form"
    assert still_chinese == [], "translations that still contain Chinese"


def test_translations_keep_the_placeholders_of_their_message() -> None:
    wrong = [
        e.msgid
        for e in messages_of(PO)
        for text in e.msgstr.values()
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e.msgid))
    ]
    assert wrong == []


def test_the_header_declares_english_plural_forms() -> None:
    header = read_po(PO)[0]
    assert header.msgid == ""
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "fuzzy" not in header.flags


def test_the_compiled_catalog_matches_the_po_file() -> None:
    """The committed .mo holds exactly what the .po says (no gettext tools needed to check)."""
    assert MO.exists(), "run: uv run python manage.py compilemessages --ignore=.venv"
    with MO.open("rb") as handle:
        compiled = pygettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for e in messages_of(PO):
        msgid = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            expected[msgid] = e.msgstr[0]
        else:
            expected.update({(msgid, n): text for n, text in e.msgstr.items()})
    compiled = {key: value for key, value in compiled.items() if key != ""}

    assert compiled == expected, "the .mo is stale: run compilemessages and commit the .mo"


def test_django_serves_the_compiled_translations() -> None:
    msgid, plural = "接龙下单", "已接龙 %(n)s 人"
    with translation.override("en"):
        assert translation.gettext(msgid) == "Place order"
        assert translation.ngettext(plural, plural, 1) % {"n": 1} == "1 person has joined"
        assert translation.ngettext(plural, plural, 3) % {"n": 3} == "3 people have joined"
        assert translation.pgettext("button", "启用") == "Enable"
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == msgid


# Copied for the check below; makemessages itself skips dot-directories (.venv, .local, .git).
NOT_SOURCES = shutil.ignore_patterns(
    "locale", "__pycache__", "node_modules", "staticfiles", "media", ".*", "*.mo"
)


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")), reason="needs GNU gettext"
)
def test_the_catalog_has_every_message_in_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """makemessages, run on a copy of the project, neither adds nor drops a message: a string
    marked for translation and not yet in the .po fails here (as does one left behind)."""
    base = Path(settings.BASE_DIR)
    for child in base.iterdir():
        if child.name.startswith(".") or child.name == "locale":
            continue
        if child.is_dir():
            shutil.copytree(child, tmp_path / child.name, ignore=NOT_SOURCES)
        elif child.suffix in (".py", ".html", ".txt"):
            shutil.copy2(child, tmp_path / child.name)
    locale = tmp_path / "locale"
    (locale / "en" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy2(PO, locale / "en" / "LC_MESSAGES" / "django.po")
    monkeypatch.chdir(tmp_path)

    with override_settings(LOCALE_PATHS=[locale]):
        call_command("makemessages", locale=["en"], verbosity=0)

    fresh = {e.key for e in messages_of(locale / "en" / "LC_MESSAGES" / "django.po")}
    committed = {e.key for e in messages_of(PO)}
    new, gone = sorted(fresh - committed, key=str), sorted(committed - fresh, key=str)
    assert not new, (
        "not in the .po yet (run makemessages, translate, compilemessages): "
        + ", ".join(msgid for _, msgid in new)
    )
    assert not gone, "no longer in the source (run makemessages): " + ", ".join(
        msgid for _, msgid in gone
    )
