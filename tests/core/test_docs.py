"""Every WANGGE_* variable the code reads is documented in the README and in .env.example."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"WANGGE_[A-Z0-9_]+")


def variables_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for source in (REPO / "wangge").rglob("*.py"):
        found |= set(VARIABLE.findall(source.read_text(encoding="utf-8")))
    return found


def test_the_readme_and_env_example_list_every_variable():
    used = variables_read_by_the_code()
    assert "WANGGE_DATABASE_URL" in used
    for document in ("README.md", ".env.example"):
        text = (REPO / document).read_text(encoding="utf-8")
        missing = sorted(name for name in used if name not in text)
        assert not missing, f"{document} does not mention {missing}"


def test_the_readme_opens_with_the_two_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first_command = min(text.index("make demo"), text.index("make test"))
    assert first_command < text.index("## ", text.index("make test"))
