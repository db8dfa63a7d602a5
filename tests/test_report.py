"""The HTML report: one self-contained page whose figures are the JSON evaluation's, whose
counts link to their images, and which a real browser renders without errors."""

import base64
import html.parser
import json
import os
import re
import shutil
import subprocess
import types

import cv2
import numpy as np
import pytest

import evaluate
import train
from pyimagesearch import audit, decisions, evaluation
from pyimagesearch import groups as label_groups
from pyimagesearch import report as html_report
from tests.conftest import NO_EXTRAS

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "wbr"}
NAMES = ["blue", "dress", "red", "shirt"]
GROUPS = [label_groups.Group("colour", ("blue", "red")), label_groups.Group("item", ("dress", "shirt"))]
ODD_PATH = "photos/<b>bold</b>/x&\"y'.png"  # a file name that is markup if not escaped


class Page(html.parser.HTMLParser):
    """What the tests read from a page: ids, links, images, tagged figures, and per element
    with an id its text and the paths of the image cards inside it."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.ids, self.hrefs, self.sources, self.scripts = [], [], [], 0
        self.figures, self.text, self.cards, self.heatmaps = [], {}, {}, {}
        self.stack = []  # [tag, attrs, text parts]
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.scripts += tag == "script"
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "img":
            self.sources.append(attrs.get("src", ""))
            if "heat map" in attrs.get("alt", ""):
                for open_id in self._open_ids():
                    self.heatmaps[open_id] = self.heatmaps.get(open_id, 0) + 1
        if tag not in VOID:
            self.stack.append([tag, attrs, []])

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, attrs, parts = self.stack.pop()
            text = "".join(parts)
            if "data-key" in attrs:
                self.figures.append((json.loads(attrs["data-key"]), text.strip()))
            if "id" in attrs:
                self.text[attrs["id"]] = text
            if attrs.get("class") == "path":
                for open_id in self._open_ids():
                    self.cards.setdefault(open_id, []).append(text)
            if self.stack:
                self.stack[-1][2].append(text)
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def _open_ids(self):
        return [attrs["id"] for _, attrs, _ in self.stack if "id" in attrs]


def scored_data(count=40, seed=0, grouped=True):
    """Targets, probabilities that mostly agree with them, the decisions and the report."""
    rng = np.random.default_rng(seed)
    targets = np.zeros((count, len(NAMES)), np.int64)
    targets[np.arange(count), rng.integers(0, 2, count) * 2] = 1  # blue or red
    targets[np.arange(count), 1 + rng.integers(0, 2, count) * 2] = 1  # dress or shirt
    probabilities = np.clip(0.3 * targets + rng.uniform(0, 0.7, targets.shape), 0, 1)
    probabilities[0] = 1 - targets[0]  # sure and wrong: the first of the worst
    groups = GROUPS if grouped else []
    cuts = decisions.tune_thresholds(targets, probabilities, "f1", groups, NAMES)
    rule = decisions.DecisionRule(NAMES, cuts, groups)
    chosen = rule.decide(probabilities)
    paths = [f"photos/{i:03d}.png" for i in range(count)]
    paths[0] = ODD_PATH
    report = evaluation.evaluate(targets, probabilities, chosen, NAMES, paths,
                                 rule="a rule", groups=groups)
    images = np.stack([draw(rng) for _ in range(count)])
    return json.loads(json.dumps(report)), (probabilities, targets, chosen, NAMES, paths, images), \
        rule


def draw(rng, size=96):
    """A smooth picture (a gradient and a disc) that compresses as photos do, unlike noise."""
    ramp = np.linspace(0, 1, size)[:, None, None] * rng.integers(40, 255, 3)
    image = np.broadcast_to(ramp, (size, size, 3)).astype(np.uint8).copy()
    centre = tuple(int(c) for c in rng.integers(20, size - 20, 2))
    cv2.circle(image, centre, 18, tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
    return image


def small_audit(paths, targets):
    labels = [[name for name, flag in zip(NAMES, row) if flag] for row in targets]
    hashes = [f"h{i}" for i in range(len(paths))]
    hashes[5] = hashes[6]  # one pair of identical files
    dataset = types.SimpleNamespace(paths=paths, labels=labels, hashes=hashes, skipped=[])
    return audit.audit_dataset(dataset, None, None, GROUPS)


def write(tmp_path, grouped=True, explain=None, count=40, **extras):
    report, scored, rule = scored_data(count, grouped=grouped)
    path = str(tmp_path / "report.html")
    html_report.write_report(path, report, *scored, rule=rule, explain=explain,
                             **extras)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return report, scored, text, Page(text)


def shown(value):
    return "n/a" if value is None else str(value) if isinstance(value, int) else f"{value:.3f}"


def lookup(report, key):
    for part in key:
        report = report[part]
    return report


def check_self_contained(page):
    """Every image inlined and decodable, every link a fragment that lands, no script."""
    assert page.scripts == 0
    assert page.sources and all(src.startswith("data:image/") for src in page.sources)
    for src in page.sources:
        data = np.frombuffer(base64.b64decode(src.split(",", 1)[1]), np.uint8)
        assert cv2.imdecode(data, cv2.IMREAD_COLOR) is not None
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert all(href.startswith("#") for href in page.hrefs), "a link that leaves the page"
    missing = {href[1:] for href in page.hrefs} - set(page.ids)
    assert not missing, f"links to nothing: {sorted(missing)[:5]}"


def check_figures(page, report):
    """Every tagged figure equals the report's; the headline, per-label and group figures
    are all there."""
    assert page.figures
    for key, text in page.figures:
        assert text == shown(lookup(report, key)), key
    keys = {tuple(key) for key, _ in page.figures}
    assert {(key,) for key, _, _ in html_report.HEADLINE} <= keys
    assert {("per_label", name, field) for name in report["per_label"]
            for field, _, _ in html_report.PER_LABEL} <= keys
    assert {("groups", group, "confusion", true, predicted)
            for group, entry in (report.get("groups") or {}).items() if entry.get("confusion")
            for true in entry["confusion"] for predicted in entry["confusion"][true]} <= keys


def test_page_is_self_contained_and_every_label_has_a_section(tmp_path):
    report, _, _, page = write(tmp_path)
    check_self_contained(page)
    for index, name in enumerate(NAMES):
        assert page.text[f"label-{index}"].strip().startswith(name)
    for section in ("summary", "labels", "confusions", "worst", "unsure", "images"):
        assert section in page.ids


def test_figures_equal_the_report_and_its_printed_form(tmp_path):
    report, _, _, page = write(tmp_path)
    check_figures(page, report)
    printed = evaluation.format_report(report)
    figures = dict((tuple(key), text) for key, text in page.figures)
    for line, key in (("exact match (all labels of an image right)", "exact_match"),
                      ("binary accuracy (per image and label)", "binary_accuracy"),
                      ("Hamming loss", "hamming_loss"), ("macro F1", "macro_f1"),
                      ("macro mAP (average precision)", "macro_map")):
        assert re.search(rf"{re.escape(line)}\s+{re.escape(figures[(key,)])}\n", printed)


def test_group_counts_link_to_their_images(tmp_path):
    report, scored, _, page = write(tmp_path)
    _, targets, chosen, _, paths, _ = scored
    for group_index, (name, entry) in enumerate(report["groups"].items()):
        columns = [NAMES.index(label) for label in entry["labels"]]
        values = list(entry["confusion"])
        for t, true in enumerate(values):
            for p, predicted in enumerate(values):
                count = entry["confusion"][true][predicted]
                anchor = f"group-{group_index}-{t}-{p}"
                if not count:
                    assert anchor not in page.ids
                    continue
                expected = {paths[i] for i in range(len(paths))
                            if values[int(np.argmax(targets[i, columns]))] == true
                            and values[int(np.argmax(chosen[i, columns]))] == predicted}
                assert len(expected) == count
                limit = html_report.RIGHT_SHOWN if t == p else html_report.GALLERY
                assert len(page.cards[anchor]) == min(count, limit)
                assert set(page.cards[anchor]) <= expected


def test_without_groups_false_positives_and_negatives_link_to_their_images(tmp_path):
    report, scored, _, page = write(tmp_path, grouped=False)
    check_self_contained(page)
    check_figures(page, report)
    _, targets, chosen, _, paths, _ = scored
    linked = 0
    for index in range(len(NAMES)):
        for kind, flag in (("false-positive", 1), ("false-negative", 0)):
            rows = np.flatnonzero((chosen[:, index] == flag) & (targets[:, index] != flag))
            anchor = f"{kind}-{index}"
            assert (anchor in page.ids) == bool(len(rows))
            if len(rows):
                linked += 1
                assert f"#{anchor}" in page.hrefs
                assert len(page.cards[anchor]) == min(len(rows), html_report.GALLERY)
                assert set(page.cards[anchor]) <= {paths[i] for i in rows}
    assert linked  # the data has errors to link


def test_user_strings_are_escaped(tmp_path):
    settings = {"name": "<script>alert(1)</script>", "epochs": 3}
    _, _, text, page = write(tmp_path, settings=settings)
    assert "<b>bold</b>" not in text and "<script>" not in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text
    assert page.cards["worst"][0] == ODD_PATH  # shown, as text
    assert "<script>alert(1)</script>" in page.text["settings"]


def test_audit_settings_and_training_curves_are_shown(tmp_path):
    report, scored, _ = scored_data()
    plot = str(tmp_path / "plot.png")
    cv2.imwrite(plot, np.full((40, 60, 3), 128, np.uint8))
    findings = small_audit(scored[4], scored[1])
    _, _, _, page = write(tmp_path, settings={"epochs": 3}, audit=findings, history_plot=plot)
    check_self_contained(page)
    assert "epochs" in page.text["settings"]
    assert len(page.sources) > len(NAMES)  # curves, plot and thumbnails
    audit_text = page.text["audit"]
    assert "1 groups of files with the same bytes" in audit_text
    for name in NAMES:
        assert name in audit_text


@pytest.mark.parametrize("grouped", [True, False])
def test_heat_map_of_the_wrong_label_beside_each_worst_image(tmp_path, grouped):
    calls = []

    def explain(image, index):
        calls.append(index)
        assert image.dtype == np.uint8 and image.shape == (96, 96, 3)
        return 255 - image

    report, scored, _, page = write(tmp_path, grouped=grouped, explain=explain)
    worst_cards = page.cards["worst"]
    assert worst_cards and page.heatmaps["worst"] == len(worst_cards) == len(calls)
    assert not page.heatmaps.get("unsure") and not page.heatmaps.get("images")
    probabilities, targets, chosen, _, paths, _ = scored
    for path, index in zip(worst_cards, calls):
        row = paths.index(path)
        given = np.flatnonzero(chosen[row] & (1 - targets[row]))
        missed = np.flatnonzero((1 - chosen[row]) & targets[row])
        # The most probable label given wrongly, else the least probable one missed.
        expected = given[np.argmax(probabilities[row, given])] if len(given) else \
            missed[np.argmin(probabilities[row, missed])]
        assert index == expected


def test_galleries_are_capped_and_the_page_stays_small(tmp_path):
    _, _, text, page = write(tmp_path, count=200, explain=lambda image, index: image)
    assert all(len(cards) <= html_report.GALLERY for cards in page.cards.values()
               if cards is not page.cards.get("images"))
    size = len(text.encode("utf-8"))
    assert size < 5e6, f"{size / 1e6:.1f} MB for 200 images"


def test_training_writes_its_report_beside_the_model(trained):
    path = f"{trained['model']}.report.html"
    with open(path, encoding="utf-8") as handle:
        page = Page(handle.read())
    with open(f"{trained['model']}.evaluation.json", encoding="utf-8") as handle:
        report = json.load(handle)
    check_self_contained(page)
    check_figures(page, report)
    for section in ("settings", "training", "audit", "labels", "confusions"):
        assert section in page.ids
    assert page.cards["worst"]  # one epoch on tiny images leaves some wrong
    assert page.heatmaps["worst"] == len(page.cards["worst"])  # Grad-CAM beside each


def test_evaluate_writes_html_beside_its_json_unless_told_not_to(trained, tmp_path):
    json_path = str(tmp_path / "scores.json")
    assert evaluate.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                          "--dataset", trained["dataset"], "--report", json_path]) == 0
    with open(json_path, encoding="utf-8") as handle:
        report = json.load(handle)
    with open(str(tmp_path / "scores.html"), encoding="utf-8") as handle:
        page = Page(handle.read())
    check_self_contained(page)
    check_figures(page, report)
    assert not page.heatmaps  # LiteRT has no gradients; TensorFlow stays unloaded
    chosen = str(tmp_path / "chosen.html")
    assert evaluate.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                          "--dataset", trained["dataset"], "--report", str(tmp_path / "b.json"),
                          "--html", chosen, "--backend", "keras"]) == 0
    assert not os.path.exists(tmp_path / "b.html")
    with open(chosen, encoding="utf-8") as handle:
        page = Page(handle.read())
    assert page.heatmaps["worst"] == len(page.cards["worst"]) > 0
    assert evaluate.main(["--model", trained["model"], "--labelbin", trained["labelbin"],
                          "--dataset", trained["dataset"], "--report", str(tmp_path / "c.json"),
                          "--no-html"]) == 0
    assert not os.path.exists(tmp_path / "c.html")


def test_html_flags_exclude_each_other_and_no_report_is_a_flag(capsys):
    with pytest.raises(SystemExit) as stop:
        evaluate.parse_args(["--dataset", "d", "--html", "x.html", "--no-html"])
    assert stop.value.code == 2
    assert train.parse_args(["--no-report"]).no_report
    assert not train.parse_args([]).no_report


@pytest.mark.slow
def test_training_with_no_report_writes_none(dataset_dir, tmp_path):
    output = tmp_path / "run"
    assert train.main(["--dataset", dataset_dir, "--output", str(output), "--epochs", "1",
                       "--image-size", "32", "--quiet", *NO_EXTRAS]) == 0
    assert os.path.isfile(output / "fashion.keras")
    assert not os.path.exists(output / "fashion.keras.report.html")


def browser():
    """Chromium's path; the test skips without one unless CI_REQUIRE_BROWSER=1."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI_REQUIRE_BROWSER") == "1":
            pytest.fail("CI_REQUIRE_BROWSER=1 but no chromium or chromium-browser on PATH")
        pytest.skip("no chromium on PATH (apt-get install chromium) to render the report")
    return found


def render(chromium, page, action):
    """Run headless Chromium on `page` with `action` (--screenshot=..., --dump-dom);
    (stdout, the page's console lines from stderr)."""
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--window-size=1200,2000", "--enable-logging=stderr", "--v=0", action,
         f"file://{os.path.abspath(page)}"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines()
               if ":CONSOLE" in line or "Uncaught" in line]
    return result.stdout, console


@pytest.mark.slow
def test_a_real_browser_renders_the_report_without_errors(trained, tmp_path):
    chromium = browser()
    page = f"{trained['model']}.report.html"
    screenshot = str(tmp_path / "report.png")
    _, console = render(chromium, page, f"--screenshot={screenshot}")
    assert not console, console
    image = cv2.imread(screenshot)
    assert image is not None and image.shape[:2] == (2000, 1200)
    assert image.std() > 10  # not one flat colour
    assert (image < 240).any(axis=2).mean() > 0.05  # not a white page with a speck
    dom, console = render(chromium, page, "--dump-dom")
    assert not console, console
    rendered = Page(dom)
    assert {"summary", "labels", "confusions", "worst", "audit", "label-0"} <= set(rendered.ids)
    # The console check has teeth: a page that throws is caught.
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><p>x</p><script>throw new Error('boom')</script>")
    _, console = render(chromium, str(broken), "--dump-dom")
    assert any("Uncaught" in line for line in console)
