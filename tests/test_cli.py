"""The `briefbot` command line, run as a real subprocess."""

import json
import subprocess
import sys

import pytest

from tests.conftest import GUARDED_PATH, ROOT, SEED, SEEDS


def briefbot(*args, db, check=True, env=None):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": GUARDED_PATH, **(env or {})},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def console(db, typed: str) -> subprocess.CompletedProcess:
    """The offline console on ``db``, fed ``typed`` as piped input."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), "console"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=typed,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": GUARDED_PATH},
    )


@pytest.fixture
def cli_db(seeded_path, tmp_path):
    import shutil

    path = tmp_path / "cli.db"
    shutil.copy(seeded_path, path)
    return path


def test_ingest_json_and_exit_code_on_failure(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = briefbot("ingest", str(SEEDS), str(empty), "--json", db=tmp_path / "x.db", check=False)
    data = json.loads(result.stdout)
    assert (data["new"], data["failed"], result.returncode) == (5, 1, 1)
    again = json.loads(briefbot("ingest", str(SEED["000"]), "--json", db=tmp_path / "x.db").stdout)
    assert (again["new"], again["duplicate"]) == (0, 1)


def test_brief_records_a_snapshot_and_changes_reads_it(cli_db):
    data = json.loads(briefbot("brief", "Gaza", "--chat", "3", "--sentences", "3", "--json", db=cli_db).stdout)
    assert len(data["sentences"]) == 3 and data["sentences"][0]["sources"][0]["source"]
    changes = json.loads(briefbot("changes", "Gaza", "--chat", "3", "--json", db=cli_db).stdout)
    assert changes["message"].startswith("Nothing new on “Gaza” since ")


def test_who_text_and_json(cli_db):
    text = briefbot("who", "Blinken", db=cli_db).stdout
    assert text.startswith("Antony Blinken — person")
    data = json.loads(briefbot("who", "Blinken", "--json", db=cli_db).stdout)
    assert (data["name"], data["label"]) == ("Antony Blinken", "PERSON")


def test_bad_arguments_get_a_one_line_reason(cli_db):
    result = briefbot("brief", "Gaza", "--since", "yesterday", db=cli_db, check=False)
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "briefbot: --since: A date looks like 2024-10-21, not 'yesterday'.",
    )
    result = briefbot("brief", "Gaza", "--method", "magic", db=cli_db, check=False)
    assert result.returncode == 2 and "Unknown method 'magic'" in result.stderr


def test_console_runs_the_same_handlers(cli_db):
    result = console(cli_db, "/who Blinken\n/brief Hochstein\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "Antony Blinken — person" in result.stdout and "Briefing: Hochstein" in result.stdout
    # Only the conversation: no log lines on stdout, and nothing below WARNING anywhere.
    assert " INFO " not in result.stdout + result.stderr and "briefbot." not in result.stdout


def test_console_buttons_are_numbered_and_piped_commands_echoed(cli_db):
    result = console(cli_db, "/brief gaza\n1\n/quit\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "> /brief gaza" in lines and "> 1" in lines
    assert any(line.startswith("[1] Who is Antony Blinken?") for line in lines)
    pressed = lines.index("> 1")
    assert any("Antony Blinken — person" in line for line in lines[pressed:])  # the button's answer


def test_the_console_saves_charts_and_files_and_says_where(cli_db):
    result = console(cli_db, "/trend gaza 10\n/feeds export\n/quit\n")
    assert result.returncode == 0, result.stderr
    photo = cli_db.parent / "console" / "1-trend.png"
    assert f"[photo saved to {photo}] gaza, 13 Oct – 22 Oct 2024: " in result.stdout
    assert photo.read_bytes()[:4] == b"\x89PNG"
    assert "briefbot-feeds.opml] 0 feeds as OPML 2.0" in result.stdout


def test_json_is_accepted_before_the_subcommand(cli_db):
    data = json.loads(briefbot("--json", "who", "Blinken", db=cli_db).stdout)
    assert (data["name"], data["label"]) == ("Antony Blinken", "PERSON")


def test_changes_without_a_chat_uses_the_command_lines_own(cli_db):
    assert briefbot("changes", "Hochstein", db=cli_db).stdout.startswith("First briefing on Hochstein")
    assert briefbot("changes", "Hochstein", db=cli_db).stdout.startswith("Nothing new on “Hochstein” since ")
    briefbot("brief", "Gaza", db=cli_db)
    assert briefbot("changes", "Gaza", db=cli_db).stdout.startswith("Nothing new on “Gaza” since ")


def test_a_closed_pipe_ends_quietly(cli_db):
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(cli_db), "brief", "Gaza"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    process.stdout.close()  # like `| head` that has read enough
    stderr = process.stderr.read().decode()
    process.wait(timeout=300)
    assert (process.returncode, stderr) == (141, "")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["brief", "gaza", "-n", "huge"],
            "briefbot: The length must be short, medium, long or a number of sentences from 1 to 20, not 'huge'",
        ),
        (
            ["brief", "gaza", "--chat", "99999999999999999999999"],
            "briefbot brief: error: argument --chat: chat id 99999999999999999999999 is out of range",
        ),
        (["eval", "summaries", "/missing.jsonl"], "briefbot: cannot read /missing.jsonl: no such file"),
        (["timeline", "gaza", "--dates", "0"], "briefbot: The number of dates must be between 1 and 30, not 0"),
    ],
)
def test_bad_numbers_and_files_get_one_line_and_exit_2(cli_db, args, message):
    result = briefbot(*args, db=cli_db, check=False)
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1] == message


def test_timeline_from_the_command_line(cli_db):
    data = json.loads(briefbot("timeline", "gaza", "--dates", "3", "--json", db=cli_db).stdout)
    assert len(data["dates"]) == 3 and data["dates"] == sorted(data["dates"], key=lambda d: d["date"])


def _not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database " * 200)
    return path


def _damaged(tmp_path, seeded_path):
    import shutil

    path = tmp_path / "damaged.db"
    shutil.copy(seeded_path, path)
    data = bytearray(path.read_bytes())
    data[4096:12288] = b"\xff" * 8192  # overwrite pages after the header
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda tmp, seeded: _not_a_database(tmp), "is not a briefbot database or is damaged"),
        (lambda tmp, seeded: _damaged(tmp, seeded), "damaged"),
        (lambda tmp, seeded: tmp / "file.txt" / "sub" / "x.db", "cannot create the folder for the database"),
    ],
)
def test_unusable_databases_get_one_line_and_exit_2(tmp_path, seeded_path, make, reason):
    if "file.txt" in str(make(tmp_path, seeded_path)):
        (tmp_path / "file.txt").write_text("a file where a folder should be")
    result = briefbot("stats", db=make(tmp_path, seeded_path), check=False)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("briefbot: ") and reason in line


@pytest.mark.parametrize(
    "url, reason",
    [
        ("mysql://briefbot:s3cret@127.0.0.1/news", "not a mysql:// URL"),
        ("sqlite://", "a sqlite:/// URL needs a file after it"),
    ],
)
def test_a_database_url_briefbot_cannot_open_gets_one_line_without_its_password(url, reason):
    result = briefbot("stats", db=url, check=False)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("briefbot: ") and reason in line and "s3cret" not in line
    assert not (ROOT / url.split("/")[0]).exists()  # no folder named after the scheme


def test_a_sqlite_url_opens_the_file_it_names(cli_db):
    by_url = briefbot("stats", "--json", db=f"sqlite:///{cli_db}")  # an absolute path: sqlite:////…
    assert json.loads(by_url.stdout) == json.loads(briefbot("stats", "--json", db=cli_db).stdout)


def test_check_finds_what_opening_no_longer_reads(tmp_path, seeded_path, cli_db):
    assert briefbot("check", db=cli_db).stdout.strip() == "The database is sound."
    result = briefbot("check", "--full", db=_damaged(tmp_path, seeded_path), check=False)
    assert result.returncode in (1, 2) and result.stdout.strip() != "The database is sound."


def test_a_read_only_database_gets_one_line(tmp_path, seeded_path, monkeypatch):
    # The file opened read-only, as on a read-only mount (root ignores file modes, so the test opens it so).
    import shutil
    import sqlite3

    from storage import db as db_module

    path = tmp_path / "ro.db"
    shutil.copy(seeded_path, path)
    real = sqlite3.connect
    monkeypatch.setattr(
        db_module.sqlite3, "connect", lambda target, **kw: real(f"file:{target}?mode=ro", uri=True, **kw)
    )
    with pytest.raises(db_module.StoreError, match=r"read-only; briefbot needs to write to it"):
        db_module.open_database(path)


def test_a_missing_spacy_model_is_found_at_start_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(tmp_path / "x.db"), "start"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "BRIEFBOT_SPACY_MODEL": "no_such_model", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "briefbot: the spaCy model 'no_such_model' is not installed; run `make setup`"
    ]


def test_trend_writes_a_chart_and_feed_writes_atom(cli_db, tmp_path):
    out = tmp_path / "gaza.png"
    result = briefbot("trend", "gaza", "--days", "10", "--out", str(out), db=cli_db)
    assert result.stdout.startswith("gaza, 13 Oct – 22 Oct 2024: ") and out.read_bytes()[:4] == b"\x89PNG"
    atom = briefbot("feed", "gaza", db=cli_db).stdout
    assert atom.startswith("<?xml") and "<title>briefbot: gaza</title>" in atom


def test_feeds_export_and_a_bad_import_from_the_command_line(cli_db, tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<opml><body>")
    result = briefbot("feeds", "import", str(bad), db=cli_db, check=False)
    assert result.returncode == 2 and result.stderr.startswith(
        "briefbot: That file cannot be imported: not an OPML subscription list (not well-formed XML"
    )
    out = tmp_path / "feeds.opml"
    assert briefbot("feeds", "export", str(out), db=cli_db).stdout == f"0 feeds written to {out}\n"
    assert b'<opml version="2.0">' in out.read_bytes()


@pytest.mark.parametrize("command", [["ingest", str(SEED["000"])], ["start"]])
def test_a_missing_spacy_model_is_one_line_in_every_command(tmp_path, command):
    result = briefbot(*command, db=tmp_path / "x.db", check=False, env={"BRIEFBOT_SPACY_MODEL": "en_no_such_model"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "is not installed" in result.stderr


def test_stats_names_the_database_it_reads(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "stats"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/tmp",
            "PYTHONPATH": f"{GUARDED_PATH}:{ROOT}",
            "BRIEFBOT_DATABASE_URL": str(tmp_path / "mine.db"),
        },
    )
    assert f"Database: {tmp_path / 'mine.db'}" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["stats"], ["check"], ["feeds", "list"]])
def test_quick_commands_load_no_nlp(cli_db, args):
    # `--help`, `stats`, `check` and `feeds list` answer in well under a second: they never import spaCy, sumy,
    # NLTK, SciPy, matplotlib or trafilatura (their figures are in the closing note of issue #21).
    code = (
        "import sys\nfrom bot.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "heavy = {'spacy', 'sumy', 'nltk', 'scipy', 'matplotlib', 'trafilatura'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--db", str(cli_db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": f"{GUARDED_PATH}:{ROOT}"},
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr
