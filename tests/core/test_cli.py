"""The `wangge` command wraps Django's management commands."""

import subprocess
import sys
from pathlib import Path

from wangge.cli import main


def test_wangge_runs_a_django_command_and_returns_its_exit_code(capsys):
    assert main(["wangge", "check", "--deploy", "--fail-level", "CRITICAL"]) == 0


def test_an_unknown_command_fails(capsys):
    assert main(["wangge", "no-such-command"]) != 0
    assert "no-such-command" in capsys.readouterr().err


def test_worker_is_a_command_of_its_own(capsys):
    assert main(["wangge", "help", "worker"]) == 0
    assert "--once" in capsys.readouterr().out


def test_the_console_script_lists_the_commands(tmp_path):
    script = Path(sys.executable).parent / "wangge"
    result = subprocess.run(
        [str(script), "help"],
        capture_output=True,
        text=True,
        check=False,
        env={"WANGGE_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "migrate" in result.stdout
    assert "worker" in result.stdout.split()
