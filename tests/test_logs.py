"""Logs as operators read them: JSON lines a collector can parse, or readable text, with bound fields."""

import json
import logging
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from jobmatch import logs
from jobmatch.cli import main

log = logging.getLogger("jobmatch.test")


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:], root.level = handlers, level
    for name in logs.QUIET:
        logging.getLogger(name).setLevel(logging.NOTSET)


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_json_lines_carry_time_level_logger_message_and_every_field(capsys) -> None:
    logs.configure("json", "INFO")
    with logs.bind(integration_id="personio:abc"):
        log.info("synced %d pages", 3, extra={"run_id": 7})
    log.debug("not at INFO")
    [line] = lines(capsys)
    entry = json.loads(line)
    assert entry.pop("time").endswith("+00:00")
    assert entry == {"level": "INFO", "logger": "jobmatch.test", "message": "synced 3 pages", "run_id": 7,
                     "integration_id": "personio:abc"}


def test_a_json_line_holds_the_whole_traceback(capsys) -> None:
    logs.configure("json", "INFO")
    try:
        raise ValueError("bad page")
    except ValueError:
        log.exception("sync failed")
    [line] = lines(capsys)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and "ValueError: bad page" in entry["exception"]


def test_text_lines_are_readable_and_keep_the_fields(capsys) -> None:
    logs.configure("text", "INFO")
    with logs.bind(request_id="r-1"):
        log.warning("slow", extra={"duration_ms": 812.5})
    [line] = lines(capsys)
    assert line.endswith("WARNING jobmatch.test: slow [duration_ms=812.5 request_id=r-1]")


def test_configuring_again_replaces_the_handler_instead_of_doubling_lines(capsys) -> None:
    logs.configure("text", "INFO")
    logs.configure("json", "INFO")
    log.info("once")
    [line] = lines(capsys)
    assert json.loads(line)["message"] == "once"


def test_bound_fields_end_with_their_context(capsys) -> None:
    logs.configure("json", "INFO")
    token = logs.push(request_id="r-2")
    logs.pop(token)
    log.info("after")
    assert "request_id" not in json.loads(lines(capsys)[0])


def test_a_command_with_a_bad_log_setting_names_the_variable() -> None:
    result = CliRunner().invoke(main, ["customers", "list"], env={"JOBMATCH_LOG_FORMAT": "yaml"})
    assert result.exit_code == 2
    assert "JOBMATCH_LOG_FORMAT must be one of text, json, not 'yaml'" in result.output
