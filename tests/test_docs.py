"""The docs stay true to the code: flag tables match the parsers, links land, the README stays
short, and every benchmark a page names exists.

Usage: .venv/bin/python -m pytest -q tests/test_docs.py  (after a flag change: python
tools/flag_tables.py)
"""

import glob
import os
import re

from tests.conftest import ROOT
from tools import flag_tables

README = os.path.join(ROOT, "README.md")
PAGES = [README] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target) and ![alt](target)
BENCHMARK = re.compile(r"benchmarks/[A-Za-z0-9_]+\.py")


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_flag_tables_match_the_parsers():
    assert flag_tables.stale_pages(write=False) == [], "run python tools/flag_tables.py"


def test_a_changed_help_makes_a_page_stale():
    text = read(os.path.join(ROOT, "docs", "models.md"))
    edited = text.replace("| trained model |", "| a model |", 1)
    assert edited != text
    assert flag_tables.refreshed(edited, "export.py", "docs/models.md") == text


def test_help_defaults_are_expanded():
    table = flag_tables.table("export.py")
    assert "%(" not in flag_tables.table("train.py") + table
    assert "| `-m`, `--model` | `MODEL` | output/fashion.keras | trained model |" in table


def test_readme_is_at_most_200_lines():
    assert len(read(README).splitlines()) <= 200


def anchors(path):
    """The heading anchors GitHub makes for a Markdown page: lower case, punctuation dropped,
    spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", read(path), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in headings}


def test_every_relative_link_points_at_a_file_and_heading():
    broken = []
    for page in PAGES:
        for target in LINK.findall(read(page)):
            path, _, anchor = target.partition("#")
            if re.match(r"[a-z]+:", path):
                continue  # a web address
            linked = os.path.join(os.path.dirname(page), path) if path else page
            if not os.path.exists(linked) or anchor and (
                    not linked.endswith(".md") or anchor not in anchors(linked)):
                broken.append(f"{os.path.relpath(page, ROOT)}: {target}")
    assert broken == []


def test_every_benchmark_named_exists():
    missing = {f"{os.path.relpath(page, ROOT)}: {name}" for page in PAGES
               for name in BENCHMARK.findall(read(page))
               if not os.path.exists(os.path.join(ROOT, name))}
    assert missing == set()
