"""Write each script's flag table into its docs page, from the script's own argparse parser.

The tables live between markers such as `<!-- flags:train.py -->` and `<!-- /flags:train.py -->`;
everything else on the page is left as it is. A flag added, removed or reworded in a script
changes its table, so the docs cannot drift from `--help` (tests/test_docs.py runs the check).

Usage:
    python tools/flag_tables.py            # rewrite the stale tables in place
    python tools/flag_tables.py --check    # exit 1, naming the stale pages, if any table is stale
"""

import argparse
import importlib.util
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each script and the docs page that holds its table.
PAGES = {
    "train.py": "docs/training.md",
    "classify.py": "docs/evaluation.md",
    "evaluate.py": "docs/evaluation.md",
    "audit.py": "docs/datasets.md",
    "export.py": "docs/models.md",
}
DEFAULT_CLAUSE = "(default: "


def build_parser(script):
    """The script's parser, from its own build_parser(). The scripts are not in the installed
    package, so each is loaded from its file rather than by changing the module path."""
    if script[:-3] in sys.modules:  # imported already (the tests import the scripts)
        return sys.modules[script[:-3]].build_parser()
    spec = importlib.util.spec_from_file_location(script[:-3], os.path.join(ROOT, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_parser()


def shown(value):
    """A default or const as a reader types it: lists space-separated, as on a command line."""
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    return str(value)


def expand_help(parser, action):
    """The help text as `--help` prints it: %(default)s, %(const)s, %(choices)s... filled in
    (argparse's own rule), with lists written as a command line takes them."""
    params = dict(vars(action), prog=parser.prog)
    params = {name: value for name, value in params.items() if value is not argparse.SUPPRESS}
    for name in ("default", "const"):
        if params.get(name) is not None:
            params[name] = shown(params[name])
    if params.get("choices") is not None:
        params["choices"] = ", ".join(str(choice) for choice in params["choices"])
    return " ".join((action.help % params).split())


def split_default(text):
    """(help, default): the help's closing "(default: ...)" clause taken out as the default."""
    start = text.rfind(DEFAULT_CLAUSE)
    if start < 0 or closing_paren(text, start) != len(text) - 1:
        return text, ""  # no default stated, or stated mid-sentence: the help keeps it
    return text[:start].rstrip(), text[start + len(DEFAULT_CLAUSE):-1]


def closing_paren(text, start):
    """Index of the parenthesis that closes the one at `start`, or -1."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return -1


def values(action):
    """What the flag takes: its choices, its metavar, or nothing for a switch."""
    if action.nargs == 0:
        return ""
    if action.choices is not None:
        taken = ", ".join(f"`{choice}`" for choice in action.choices)
    else:
        taken = f"`{action.metavar or action.dest.upper()}`"
    if action.nargs in ("+", "*"):
        taken += " ..."
    elif action.nargs == "?":
        taken = f"[{taken}]"
    return taken


def cell(text):
    """Text safe inside a Markdown table cell: no column break, no stray HTML tag."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def table(script):
    """The Markdown table of the script's flags: flag, values, default, meaning."""
    parser = build_parser(script)
    rows = ["| flag | values | default | meaning |", "| --- | --- | --- | --- |"]
    for action in parser._actions:
        if (not action.option_strings or action.help is argparse.SUPPRESS
                or isinstance(action, argparse._HelpAction)):
            continue  # -h is on every script and in no table
        meaning, default = split_default(expand_help(parser, action))
        if action.required:
            default = "required"
        elif not default and (action.nargs == 0 or action.nargs == "?" and action.default is None):
            default = "off"  # a switch, or a flag whose value is optional
        flags = ", ".join(f"`{flag}`" for flag in action.option_strings)
        rows.append(f"| {flags} | {cell(values(action))} | {cell(default)} | {cell(meaning)} |")
    return "\n".join(rows)


def markers(script):
    return f"<!-- flags:{script} -->", f"<!-- /flags:{script} -->"


def refreshed(text, script, page):
    """The page's text with the script's table replaced by the current one."""
    opening, closing = markers(script)
    pattern = re.compile(re.escape(opening) + r"\n.*?" + re.escape(closing), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"error: {page} has no {opening} ... {closing} markers")
    block = f"{opening}\n{table(script)}\n{closing}"
    return pattern.sub(lambda match: block, text, count=1)


def stale_pages(write=False):
    """Docs pages whose tables differ from the parsers; rewritten in place when `write`."""
    stale = []
    for page in sorted(set(PAGES.values())):
        path = os.path.join(ROOT, page)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        new = text
        for script in (name for name, home in PAGES.items() if home == page):
            new = refreshed(new, script, page)
        if new != text:
            stale.append(page)
            if write:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(new)
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 naming the pages whose tables are stale")
    args = parser.parse_args(argv)
    stale = stale_pages(write=not args.check)
    if args.check and stale:
        print(f"stale flag tables in {', '.join(stale)}: run python tools/flag_tables.py",
              file=sys.stderr)
        return 1
    for page in stale:
        print(f"rewrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
