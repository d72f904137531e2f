"""``intake questionnaire preview FILE``: a file not loaded anywhere, served for preview."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from lxml import html

from tests.support import factory

BANNER = "Voorbeeld — antwoorden worden niet meegeteld"


class Browser:
    """Enough of a browser for the preview: cookies, forms with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, fields: list[tuple[str, str]]) -> tuple[str, str]:
        _, page = self.get(path)
        token = html.document_fromstring(page).xpath('//input[@name="csrf_token"]/@value')[0]
        data = urllib.parse.urlencode([("csrf_token", token), *fields]).encode()
        with self.opener.open(self.base + path, data=data, timeout=20) as response:
            return response.geturl(), response.read().decode()


def test_preview_command_serves_a_file_that_is_not_loaded(tmp_path: Path) -> None:
    source = factory.INSPIRATIE.read_text(encoding="utf-8")
    changed = tmp_path / "concept.yaml"
    changed.write_text(source.replace("version: 2", "version: 7", 1), encoding="utf-8")
    intake = shutil.which("intake", path=str(Path(sys.executable).parent))
    assert intake
    env = {
        **os.environ,
        "INTAKE_INSTANCE_PATH": str(tmp_path / "real"),
        "INTAKE_ENV": "development",
    }
    process = subprocess.Popen(
        [intake, "questionnaire", "preview", str(changed), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        lines = []
        while not (lines and lines[-1].startswith("then open")):
            line = process.stdout.readline() if process.stdout else ""
            assert line, f"the preview stopped: {lines} {process.stderr and process.stderr.read()}"
            lines.append(line.strip())
        printed = " ".join(lines)
        assert "inspiratiedag-2022 version 7" in printed
        sign_in = re.search(r"(http://127\.0\.0\.1:\d+)/aanmelden as (\S+) with password (\S+)",
                            printed)  # fmt: skip
        assert sign_in, printed
        base, email, password = sign_in.groups()
        setup = re.search(r"then open http://127\.0\.0\.1:\d+(\S+)", printed).group(1)  # type: ignore[union-attr]

        browser = Browser(base)
        url, _ = browser.post("/aanmelden", [("email", email), ("password", password)])
        assert url.endswith("/admin/")
        # The inspiration day's participants are persons of one kind (its respondents: block).
        url, start = browser.post(setup, [("als", "denkbeeldig"), ("soort", "deelnemer")])
        assert url == f"{base}/v/inspiratiedag-2022/" and BANNER in start
        links = html.document_fromstring(start).xpath('//a[contains(@href, "/p/")]/@href')
        assert links
        _, page = browser.get(links[0])
        assert BANNER in page and "Je bekijkt versie 7" in page
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # Nothing was stored in the real instance folder's database.
    assert not (tmp_path / "real" / "intake.sqlite").exists()
