"""The command line's answer to each ordinary mistake: one line, the exit status, no traceback.

Each row is a command a newcomer might type, and what they must read on stderr: one line
naming the command and the file, flag or column, and what to do. Exit status 2 for usage
and input errors, 1 when the work itself failed.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cometchat_nb.__main__ import main
from cometchat_nb.emulator.server import Server

FILES = {
    "good.csv": "uid,name\nnew-1,New One\n",
    "unknown.csv": "email,avtar\na@b.c,x\n",
    "upper.csv": "UID,Name\nupper-1,Upper\n",
    "semicolon.csv": "uid;name;tags\nsemi-1;Semi Colon;a,b\n",
    "tab.csv": "uid\tname\ntab-1\tTab\n",
    "empty.csv": "",
    "blank.csv": "\n  \n",
    "ragged.csv": "uid,name\nrag-1,Doe, John\n",
    "ragged-later.csv": "uid,name\nrag-1,Rag\nrag-2,Doe, John\n",
    "taken.csv": "uid,name\ncometchat-uid-1,Taken\n",
    "latin1.csv": "uid,name\njerome,J\u00e9r\u00f4me\n",
    "folder": None,
}

#: (command line, exit status, what the one line says). `{dir}` is a folder holding FILES.
MISTAKES = [
    ([], 2, None),  # no command: the help, on stdout
    (["bogus"], 2, "cometchat-nb: argument COMMAND: invalid choice: 'bogus'"),
    (["--bogus"], 2, "cometchat-nb: unrecognized argument --bogus (see cometchat-nb --help)"),
    (["users"], 2, "cometchat-nb users: the following arguments are required: ACTION"),
    (["users", "delete"], 2, "cometchat-nb users: argument ACTION: invalid choice: 'delete'"),
    (
        ["users", "import"],
        2,
        "cometchat-nb users import: the following arguments are required: file",
    ),
    (
        ["users", "import", "{dir}/good.csv", "--concurrency", "x"],
        2,
        "argument --concurrency: invalid int value: 'x'",
    ),
    (
        ["users", "import", "{dir}/good.csv", "--concurrency", "0"],
        2,
        "concurrency must be a positive integer, not 0",
    ),
    (
        ["users", "import", "{dir}/good.csv", "--strict"],
        2,
        "unrecognized argument --strict (see cometchat-nb users import --help)",
    ),
    (
        ["users", "import", "{dir}/missing.csv"],
        2,
        "{dir}/missing.csv: no such file or folder (check the path)",
    ),
    (
        ["users", "import", "{dir}/folder"],
        2,
        "{dir}/folder: a folder, not a file (give a file's path)",
    ),
    (
        ["users", "import", "{dir}/latin1.csv"],
        2,
        '{dir}/latin1.csv: not UTF-8 text (save it as "CSV UTF-8" and try again)',
    ),
    (["users", "import", "{dir}/taken.csv"], 1, None),
    (
        ["users", "import", "{dir}/unknown.csv"],
        2,
        "{dir}/unknown.csv: unknown columns 'email', 'avtar' (did you mean 'avatar'?): name them"
        " uid, name, avatar, link, role, status_message, metadata, tags (any case), or pass"
        " --no-strict to leave them out",
    ),
    (["users", "import", "{dir}/upper.csv"], 0, None),  # header names in any case
    (["users", "import", "{dir}/semicolon.csv"], 0, None),  # the separator is found
    (["users", "import", "{dir}/tab.csv"], 0, None),
    (
        ["users", "import", "{dir}/empty.csv"],
        2,
        "{dir}/empty.csv: the file is empty (it needs a header row: uid,name,...)",
    ),
    (["users", "import", "{dir}/blank.csv"], 2, "blank.csv: the file is empty"),
    (
        ["users", "import", "{dir}/ragged.csv"],
        2,
        "ragged.csv: line 2 has 3 cells, the header 2: quote the cells that hold a ','",
    ),
    (
        ["users", "import", "{dir}/ragged-later.csv"],
        2,
        "ragged-later.csv: Error tokenizing data. C error: Expected 2 fields in line 3, saw 3"
        " (quote the cells that hold the separator)",
    ),
    (
        ["users", "import", "{dir}/good.csv", "--results", "{dir}/nowhere/out.csv"],
        2,
        "{dir}/nowhere: no such file or folder (check the path)",
    ),  # a failed row: the result on stdout
    (
        ["users", "export"],
        2,
        "cometchat-nb users export: the following arguments are required: file",
    ),
    (
        ["users", "export", "{dir}/nowhere/out.csv"],
        2,
        "{dir}/nowhere: no such file or folder (check the path)",
    ),
    (
        ["users", "export", "{dir}/folder"],
        2,
        "{dir}/folder: a folder, not a file (give a file's path)",
    ),
    (
        ["check", "--bogus"],
        2,
        "cometchat-nb check: unrecognized argument --bogus (see cometchat-nb check --help)",
    ),
    (
        ["emulator", "--port", "http"],
        2,
        "cometchat-nb emulator: argument --port: 'http' is not a port number",
    ),
    (
        ["emulator", "--latency", "-1"],
        2,
        "cometchat-nb emulator: argument --latency: must be 0 or more",
    ),
    (
        ["emulator", "--tls-cert", "c.pem"],
        2,
        "cometchat-nb emulator: give both --tls-cert and --tls-key",
    ),
]


@pytest.fixture
def folder(tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of input files, and a served emulator the `users` commands reach."""
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", server.url.split("://")[1])
    for name, content in FILES.items():
        if content is None:
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_text(content, encoding="latin-1")
    return tmp_path


@pytest.mark.parametrize(("argv", "status", "says"), MISTAKES, ids=lambda v: str(v))
def test_each_mistake_is_one_line_and_an_exit_status(
    argv: list[str],
    status: int,
    says: str | None,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([arg.format(dir=folder) for arg in argv]) == status
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if says is None:  # no mistake of the reader's: the help, or the result on stdout
        assert out and (status != 1 or "ERR_UID_ALREADY_EXISTS" in out)
        return
    (line,) = err.splitlines()
    assert line.startswith("cometchat-nb") and says.format(dir=folder) in line


@pytest.mark.parametrize(
    ("variables", "argv", "says"),
    [
        ({"COMETCHAT_APP_ID": "bad id!"}, ["check"], "app_id 'bad id!' is not an app id"),
        ({"COMETCHAT_APP_ID": "abc123"}, ["users", "export", "x.csv"], "API_KEY_NOT_SET: "),
    ],
)
def test_a_wrong_setting_is_one_line_and_exit_2(
    variables: dict[str, str],
    argv: list[str],
    says: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"cometchat-nb {argv[0]}") and says in line


def test_rows_a_mistake_stopped_were_not_sent(folder: Path, server: Server) -> None:
    """The checks come before any request: nothing of a refused file reached the app."""
    for name in ("unknown.csv", "ragged.csv", "empty.csv"):
        main(["users", "import", str(folder / name)])
    main(["users", "import", str(folder / "good.csv"), "--results", str(folder / "no/out.csv")])
    assert not {"rag-1", "new-1"} & set(server.emulator.users)
    main(["users", "import", str(folder / "semicolon.csv")])
    assert server.emulator.users["semi-1"].tags == ["a", "b"]


def test_an_import_on_the_embedded_emulator_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It would keep nothing (issue 23: "created 3", then an export showed none of them)."""
    monkeypatch.delenv("COMETCHAT_EMULATOR_HOST", raising=False)
    source = tmp_path / "users.csv"
    source.write_text(FILES["good.csv"])
    assert main(["users", "import", str(source)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("cometchat-nb users import: no app to write to: set COMETCHAT_APP_ID")
    assert main(["users", "import", str(source), "--dry-run"]) == 0  # checks a file offline
    assert "1 rows (would be): created 1" in capsys.readouterr().out


def test_an_emulator_that_does_not_answer_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("COMETCHAT_EMULATOR_HOST", f"127.0.0.1:{port}")
    source = tmp_path / "users.csv"
    source.write_text(FILES["good.csv"])
    assert main(["users", "import", str(source)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert f"emulator at http://127.0.0.1:{port}: FAILED_TO_FETCH" in line
    assert line.endswith("(is `cometchat-nb emulator` running there?)")


def test_debug_shows_the_traceback(folder: Path) -> None:
    with pytest.raises(FileNotFoundError):
        main(["users", "import", str(folder / "missing.csv"), "--debug"])


def test_the_installed_command_answers_in_one_line(folder: Path) -> None:
    """Through the real entry point, in a child process: one line, status 2."""
    done = subprocess.run(
        [sys.executable, "-m", "cometchat_nb", "users", "import", str(folder / "missing.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    missing = folder / "missing.csv"
    assert done.stderr.splitlines() == [
        f"cometchat-nb users import: {missing}: no such file or folder (check the path)"
    ]
