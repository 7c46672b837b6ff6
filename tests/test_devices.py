"""Device class, browser and OS per user agent: real agents, hostile strings, one parse each."""

from __future__ import annotations

from collections import Counter

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro import devices
from micromacro.devices import (
    MAX_USER_AGENT_LENGTH,
    UserAgentDetails,
    classify_user_agent,
    device_columns,
    user_agent_details,
)

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
FIREFOX_UBUNTU = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.2 Safari/605.1.15"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CHROME_OS = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1"
)
CHROME_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/131.0.6778.134 Mobile/15E148 Safari/604.1"
)
# iPadOS 13+ Safari asks for desktop sites: its user agent is SAFARI_MAC, byte for byte.
SAFARI_IPADOS = SAFARI_MAC
SAFARI_IPAD_IOS12 = (
    "Mozilla/5.0 (iPad; CPU OS 12_5_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/12.1.2 Mobile/15E148 Safari/604.1"
)
CHROME_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/131.0.6778.134 Mobile/15E148 Safari/604.1"
)
CHROME_PIXEL = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.135 Mobile Safari/537.36"
)
CHROME_ANDROID_REDUCED = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
SAMSUNG_INTERNET = (
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36"
)
CHROME_ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CHROME_LENOVO_TABLET = (
    "Mozilla/5.0 (Linux; Android 12; Lenovo TB-J606F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
FIREFOX_ANDROID_TABLET = "Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0"
KINDLE_SILK = (
    "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Silk/131.3.1 like Chrome/131.0.6778.108 Safari/537.36"
)
WINDOWS_PHONE = (
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; "
    "Touch; NOKIA; Lumia 920)"
)
IE_TABLET_PC = (
    "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; SLCC2; "
    ".NET CLR 2.0.50727; Media Center PC 6.0; Tablet PC 2.0)"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_SMARTPHONE = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.6778.139 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)
CURL = "curl/8.5.0"
PYTHON_REQUESTS = "python-requests/2.32.3"
SMART_TV = (
    "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36"
)
BARE_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
# Televisions, streaming sticks and consoles: Android ones send no Mobile token, Fire TV's Silk
# the Kindle's; all are other.
BRAVIA_TV = (
    "Mozilla/5.0 (Linux; Android 12; BRAVIA 4K VH2 Build/STT1.230113.001) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.230 Safari/537.36"
)
SHIELD_TV = (
    "Mozilla/5.0 (Linux; Android 11; SHIELD Android TV Build/RQ1A.210105.003; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Safari/537.36"
)
FIRE_TV_WEBVIEW = (
    "Mozilla/5.0 (Linux; Android 9; AFTKA Build/PS7633.3445N; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Safari/537.36"
)
FIRE_TV_SILK = (
    "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7633; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Silk/131.4.1 like Chrome/131.0.6778.260 Safari/537.36"
)
FIRE_TV_STICK = (
    "Mozilla/5.0 (Linux; Android 9; AFTB) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/70.0 Safari/537.36"
)
CHROMECAST_GOOGLE_TV = (
    "Mozilla/5.0 (Linux; Android 12; Chromecast Build/STTE.230319.008.H1; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Safari/537.36"
)
CHROMECAST = (
    "Mozilla/5.0 (X11; Linux aarch64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/114.0.0.0 Safari/537.36 CrKey/1.56.500000"
)
ANDROID_TV = (
    "Mozilla/5.0 (Linux; Android 10; Android TV) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/110 Safari/537.36"
)
GOOGLE_TV = (
    "Mozilla/5.0 (Linux; U; Android 4.0.4; en-us; GoogleTV Build/IMM76D) AppleWebKit/534.30 "
    "(KHTML, like Gecko) Version/4.0 Safari/534.30"
)
WEBOS_TV = (
    "Mozilla/5.0 (Linux; webOS TV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/94.0 Safari/537.36"
)
HBBTV = (
    "HbbTV/1.5.1 (+DRM;Samsung;SmartTV2021;T-HKM6DEUC-1490.3;;) Tizen/6.0 (+TVPLUS+SmartHubLink)"
    " Chrome/76 Safari/537.36"
)
XBOX = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edge/44.18363.8131"
)
PLAYSTATION = (
    "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/13.0 Safari/605.1.15"
)
# A Fire tablet (a KF… model) with Silk, and a Tizen phone: no TV.
FIRE_TABLET_SILK = (
    "Mozilla/5.0 (Linux; Android 11; KFMAWI) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Silk/120.3.1 like Chrome/120.0.6099.230 Safari/537.36"
)
TIZEN_PHONE = (
    "Mozilla/5.0 (Linux; Tizen 2.3; SAMSUNG SM-Z130H) AppleWebKit/537.3 (KHTML, like Gecko) "
    "SamsungBrowser/1.0 Mobile Safari/537.3"
)

OTHER = UserAgentDetails("other", "Other", "Other")


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        # Windows 11 still sends "Windows NT 10.0": the two are one OS family.
        (CHROME_WINDOWS, ("desktop", "Chrome", "Windows")),
        (EDGE_WINDOWS, ("desktop", "Edge", "Windows")),
        (FIREFOX_WINDOWS, ("desktop", "Firefox", "Windows")),
        (FIREFOX_LINUX, ("desktop", "Firefox", "Linux")),
        (FIREFOX_UBUNTU, ("desktop", "Firefox", "Ubuntu")),
        (SAFARI_MAC, ("desktop", "Safari", "Mac OS X")),
        (CHROME_MAC, ("desktop", "Chrome", "Mac OS X")),
        (CHROME_OS, ("desktop", "Chrome", "Chrome OS")),
        (IE_TABLET_PC, ("desktop", "IE", "Windows")),
        (SAFARI_IPHONE, ("mobile", "Mobile Safari", "iOS")),
        (CHROME_IPHONE, ("mobile", "Chrome Mobile iOS", "iOS")),
        (CHROME_PIXEL, ("mobile", "Chrome Mobile", "Android")),
        (CHROME_ANDROID_REDUCED, ("mobile", "Chrome Mobile", "Android")),
        (SAMSUNG_INTERNET, ("mobile", "Samsung Internet", "Android")),
        (FIREFOX_ANDROID, ("mobile", "Firefox Mobile", "Android")),
        (WINDOWS_PHONE, ("mobile", "IE Mobile", "Windows Phone")),
        (SAFARI_IPAD_IOS12, ("tablet", "Mobile Safari", "iOS")),
        (CHROME_IPAD, ("tablet", "Chrome Mobile iOS", "iOS")),
        (CHROME_ANDROID_TABLET, ("tablet", "Chrome", "Android")),
        (CHROME_LENOVO_TABLET, ("tablet", "Chrome", "Android")),
        (FIREFOX_ANDROID_TABLET, ("tablet", "Firefox Mobile", "Android")),
        (KINDLE_SILK, ("tablet", "Amazon Silk", "Android")),
        (GOOGLEBOT, ("other", "Googlebot", "Other")),
        (GOOGLEBOT_SMARTPHONE, ("other", "Googlebot", "Android")),
        (CURL, ("other", "curl", "Other")),
        (PYTHON_REQUESTS, ("other", "Python Requests", "Other")),
        (SMART_TV, ("other", "Samsung Internet", "Tizen")),
        (BARE_WINDOWS, ("other", "Other", "Windows")),
        (BRAVIA_TV, ("other", "Chrome", "Android")),
        (SHIELD_TV, ("other", "Chrome Mobile WebView", "Android")),
        (FIRE_TV_WEBVIEW, ("other", "Chrome Mobile WebView", "Android")),
        (FIRE_TV_SILK, ("other", "Amazon Silk", "Android")),
        (FIRE_TV_STICK, ("other", "Chrome", "Android")),
        (CHROMECAST_GOOGLE_TV, ("other", "Chrome Mobile WebView", "Android")),
        (CHROMECAST, ("other", "Chrome", "Chromecast Linux")),
        (ANDROID_TV, ("other", "Android", "Android")),
        (GOOGLE_TV, ("other", "Android", "Android")),
        (WEBOS_TV, ("other", "Chrome", "Linux")),
        (HBBTV, ("other", "HbbTV", "Tizen")),
        (XBOX, ("other", "Edge", "Windows")),
        (PLAYSTATION, ("other", "Safari", "Other")),
        (FIRE_TABLET_SILK, ("tablet", "Amazon Silk", "Android")),
        (TIZEN_PHONE, ("mobile", "Samsung Internet", "Tizen")),
    ],
)
def test_real_user_agents(agent: str, expected: tuple[str, str, str]) -> None:
    assert classify_user_agent(agent) == expected


def test_ipados_safari_is_indistinguishable_from_mac_safari() -> None:
    """The known trap: desktop-mode iPads count as desktop Safari on Mac OS X."""
    assert classify_user_agent(SAFARI_IPADOS) == classify_user_agent(SAFARI_MAC)
    assert classify_user_agent(SAFARI_IPADOS).device == "desktop"


@pytest.mark.parametrize("agent", ["", "-", " ", " - ", "\t"])
def test_blank_user_agents_are_other(agent: str) -> None:
    assert classify_user_agent(agent) == OTHER


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ("\x1b[31mred\x1b[0m", OTHER),
        ("\x1b]0;title\x07\x1b[2J\x1b[H", OTHER),
        (CHROME_WINDOWS + "\x1b[0m", ("desktop", "Chrome", "Windows")),
        ("\ufffd\ufffd\ufffd", OTHER),
        (CHROME_WINDOWS.replace("(KHTML", "\ufffd(KHTML"), ("desktop", "Chrome", "Windows")),
        ("\x00\x01\x02\x7f", OTHER),
        ("A" * 10_000, OTHER),
        ("(" * 10_000, OTHER),
        ("\ufffd" * 10_000, OTHER),
        (SAFARI_IPHONE + " " + "x" * 10_000, ("mobile", "Mobile Safari", "iOS")),
    ],
    ids=[
        "ansi-colour",
        "ansi-osc-clear",
        "ansi-after-chrome",
        "replacement-chars",
        "replacement-in-chrome",
        "control-bytes",
        "10kB-letters",
        "10kB-parens",
        "10kB-replacement",
        "10kB-tail-after-iphone",
    ],
)
def test_hostile_user_agents(agent: str, expected: tuple[str, str, str]) -> None:
    assert classify_user_agent(agent) == expected


def test_only_the_head_of_a_long_user_agent_is_parsed() -> None:
    """Tokens past the cut-off are ignored; the full string is still the join key."""
    padded = "Mozilla/5.0 " + "x" * MAX_USER_AGENT_LENGTH + " " + SAFARI_IPHONE
    assert classify_user_agent(padded) == OTHER
    details = user_agent_details(pl.Series([padded]))
    assert details.get_column("user_agent").to_list() == [padded]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2_000))
def test_any_text_classifies(agent: str) -> None:
    device, browser, os = classify_user_agent(agent)
    assert device in {"desktop", "mobile", "tablet", "other"}
    assert browser
    assert os


def test_details_has_one_row_per_distinct_non_null_agent() -> None:
    agents = pl.Series([CURL, None, SAFARI_IPHONE, CURL, "", None, "-", SAFARI_IPHONE])
    details = user_agent_details(agents)
    assert details.schema == pl.Schema(
        {"user_agent": pl.String, "device": pl.String, "browser": pl.String, "os": pl.String}
    )
    assert details.rows() == [
        (CURL, "other", "curl", "Other"),
        (SAFARI_IPHONE, "mobile", "Mobile Safari", "iOS"),
        ("", "other", "Other", "Other"),
        ("-", "other", "Other", "Other"),
    ]


@pytest.mark.parametrize(
    "agents",
    [pl.Series([], dtype=pl.String), pl.Series([None, None], dtype=pl.String)],
    ids=["empty", "all-null"],
)
def test_details_of_no_agents_is_empty(agents: pl.Series) -> None:
    details = user_agent_details(agents)
    assert details.height == 0
    assert details.columns == ["user_agent", "device", "browser", "os"]


class CountingResolver:
    """Wraps the real reading of a user agent and counts the strings it is asked to read."""

    def __init__(self, resolve: devices.Resolve) -> None:
        self.resolve = resolve
        self.calls: Counter[str] = Counter()

    def __call__(self, agent: str) -> tuple[str, str, str, str | None, str | None]:
        self.calls[agent] += 1
        return self.resolve(agent)


def test_each_distinct_agent_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = CountingResolver(devices.user_agent_resolver())
    monkeypatch.setattr(devices, "user_agent_resolver", lambda: counting)
    distinct = [CHROME_WINDOWS, SAFARI_IPHONE, CHROME_PIXEL, KINDLE_SILK, GOOGLEBOT]
    agents = pl.Series([*distinct, None] * 40_000)  # 240,000 rows

    frame = device_columns(pl.DataFrame({"user_agent": agents}))

    assert counting.calls == Counter(distinct)
    assert frame.height == agents.len()
    assert dict(frame.get_column("device").value_counts().rows()) == {
        "desktop": 40_000,
        "mobile": 80_000,
        "tablet": 40_000,
        "other": 80_000,
    }


def test_device_columns_keeps_rows_and_order_and_fills_nulls() -> None:
    frame = pl.DataFrame(
        {"hit": [1, 2, 3, 4, 5], "agent": [SAFARI_MAC, None, CURL, SAFARI_MAC, "-"]}
    )
    result = device_columns(frame, user_agent="agent")
    assert result.columns == ["hit", "agent", "device", "browser", "os"]
    assert result.rows() == [
        (1, SAFARI_MAC, "desktop", "Safari", "Mac OS X"),
        (2, None, "other", "Other", "Other"),
        (3, CURL, "other", "curl", "Other"),
        (4, SAFARI_MAC, "desktop", "Safari", "Mac OS X"),
        (5, "-", "other", "Other", "Other"),
    ]


def test_device_columns_replaces_existing_columns() -> None:
    frame = pl.DataFrame({"user_agent": [CHROME_PIXEL], "device": ["stale"], "os": ["stale"]})
    result = device_columns(frame)
    assert result.columns == ["user_agent", "device", "browser", "os"]
    assert result.row(0) == (CHROME_PIXEL, "mobile", "Chrome Mobile", "Android")


def test_device_columns_of_an_empty_frame() -> None:
    frame = pl.DataFrame({"user_agent": []}, schema={"user_agent": pl.String})
    result = device_columns(frame)
    assert result.height == 0
    assert result.columns == ["user_agent", "device", "browser", "os"]


def test_device_columns_accepts_a_categorical_column() -> None:
    frame = pl.DataFrame({"user_agent": pl.Series([CURL, None, CURL], dtype=pl.Categorical)})
    result = device_columns(frame)
    assert result.get_column("user_agent").dtype == pl.Categorical
    assert result.get_column("device").to_list() == ["other", "other", "other"]
    assert result.get_column("browser").to_list() == ["curl", "Other", "curl"]


HEADLESS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36"
)


def test_an_agent_the_bot_filter_calls_a_crawler_is_other() -> None:
    """HeadlessChrome is on the crawler list, not a ua-parser Spider; a --bot-pattern (matched
    case-insensitively) makes a desktop Firefox a crawler too."""
    agents = pl.Series([HEADLESS_CHROME, CHROME_WINDOWS, FIREFOX_LINUX + " ShopCheck/2"])
    assert user_agent_details(agents).get_column("device").to_list() == [
        "other",
        "desktop",
        "desktop",
    ]
    frame = device_columns(agents.to_frame("user_agent"), bot_patterns=["shopcheck"])
    assert frame.select("device", "browser", "os").rows() == [
        ("other", "HeadlessChrome", "Windows"),
        ("desktop", "Chrome", "Windows"),
        ("other", "Firefox", "Linux"),
    ]
