"""The command runs end to end on a tiny log."""

from pathlib import Path

from click.testing import CliRunner

from micromacro.cli import cli

LINE = (
    '203.0.113.7 - - [02/Nov/2026:09:15:03 +0100] "GET / HTTP/1.1" 200 5123 "-" '
    '"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"\n'
)


def test_report_json_counts_one_page(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(LINE)
    result = CliRunner().invoke(cli, ["report", str(log), "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    assert '"page": 1' in result.stdout
