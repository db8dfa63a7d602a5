"""An evaluation as one HTML page a person opens in a browser, with nothing to fetch.

Usage:
    write_report("output/fashion.keras.report.html", report, probabilities, targets, chosen,
                 class_names, paths, images, rule=decision_rule, settings=settings,
                 audit=dataset_audit, history_plot="output/plot.png")
    write_report(..., images=Rows(dataset.images, validation_index))  # a subset of rows
    write_report(..., explain=heat_maps(keras_model))  # Grad-CAM beside the worst images

`report` is pyimagesearch/evaluation.py's dict for the same `probabilities`, `targets` and
0/1 `chosen` decisions; every figure on the page is formatted from it, so the page and the
JSON report agree. The page holds the headline figures with what each means, the run's
settings, the training curves, a precision-recall curve per label with the operating point
marked, which labels are taken for which (per exclusive group a true-against-predicted table
whose counts link to the images, or per label its false positives and negatives), the
worst-classified images and the least confident right ones, and the dataset audit.

Images are inlined (JPEG thumbnails and PNG curves as base64 data URIs), and the page is
plain HTML and CSS, so it opens offline, from a mail attachment as well as from disk.
`explain(image, label_index)` -> uint8 RGB overlay, when given, shows next to each of the
worst images where the network looked for the label it got most wrong.
"""

import base64
import dataclasses
import html
import io
import json
import os

import cv2
import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global figure state, no display
from sklearn import metrics

from pyimagesearch import audit as dataset_audit
from pyimagesearch import evaluation
from pyimagesearch.files import atomic_write

GALLERY = 24  # images per gallery: about 4 kB each, so a page stays within a few MB
RIGHT_SHOWN = 8  # images shown of a right count (a diagonal cell): the errors matter more
THUMBNAIL = 128  # pixels: the longer side of a gallery image on screen
JPEG_QUALITY = 85  # thumbnails' JPEG quality
LISTED = 3  # labels listed under a thumbnail besides its true and predicted ones
DUPLICATES_SHOWN = 20  # duplicate groups listed in the audit

HEADLINE = (  # (report key, name, what it means)
    ("exact_match", "exact match",
     "Images with every label right: how often the tool is wholly right about an image. "
     "The number to quote."),
    ("binary_accuracy", "binary accuracy",
     "(Image, label) pairs decided right, what Keras calls accuracy. With few labels per "
     "image, a model that answers no to everything already scores high."),
    ("macro_f1", "macro F1",
     "The mean over labels of F1, the harmonic mean of precision and recall at the "
     "decisions taken; a rare label weighs as much as a common one."),
    ("macro_map", "macro mAP",
     "The mean over labels of average precision: how well the probabilities rank the images "
     "with a label above those without, whatever the threshold."),
    ("hamming_loss", "Hamming loss",
     "(Image, label) pairs decided wrong, one minus binary accuracy: lower is better."),
)
SECONDARY = (("exact_match_top2", "exact match with the recipe's top-two rule"),
             ("micro_f1", "micro F1 (every image and label pooled)"))
PER_LABEL = (("support", "support", "images with the label"),
             ("precision", "precision", "of the images given the label, the share that have it"),
             ("recall", "recall", "of the images that have the label, the share given it"),
             ("f1", "F1", "harmonic mean of precision and recall"),
             ("average_precision", "AP", "area under the precision-recall curve"),
             ("binary_accuracy", "binary accuracy", "images decided right for this label"))


@dataclasses.dataclass
class _Scored:
    """The per-image arrays behind the report, and each image's cross-entropy per label
    (galleries show the highest first)."""
    probabilities: np.ndarray
    targets: np.ndarray
    decisions: np.ndarray
    class_names: list
    paths: list
    images: object  # row -> uint8 RGB, or None: galleries without pictures
    loss: np.ndarray = None  # (images, labels)

    def __post_init__(self):
        clipped = np.clip(self.probabilities, 1e-7, 1 - 1e-7)
        self.loss = -(self.targets * np.log(clipped) + (1 - self.targets) * np.log(1 - clipped))


class Rows:
    """Rows `index` of `images` (an array or a store.RowFile), each read when it is shown."""

    def __init__(self, images, index):
        self.images, self.index = images, np.asarray(index)

    def __len__(self):
        return len(self.index)

    def __getitem__(self, row):
        return self.images[int(self.index[row])]


def heat_maps(model):
    """The `explain` argument for a Keras `model`: the Grad-CAM heat map of one label over
    the image (pyimagesearch/explain.py; imports TensorFlow, so only where Keras runs)."""
    from pyimagesearch import explain

    return lambda image, index: explain.overlay(
        image, explain.heatmaps(model, image, [index])[index])


def write_report(path, report, probabilities, targets, decisions, class_names, paths, images,
                 rule=None, settings=None, audit=None, history_plot=None, explain=None,
                 title="held-out split"):
    """Write the page to `path` (atomically). `rule`: the decisions.DecisionRule that chose
    `decisions`, whose cut per label the page shows; `images`: row -> uint8 RGB at the
    model's input size, or None; `explain`: (image, label index) -> uint8 RGB."""
    thresholds = rule.thresholds_by_label() if rule is not None else None
    scored = _Scored(np.asarray(probabilities, np.float64), np.asarray(targets, np.int64),
                     np.asarray(decisions, np.int64), [str(n) for n in class_names],
                     [str(p) for p in paths], images)
    galleries = []  # (id, heading, rows, columns[, limit]): filled as the tables link to them
    sections = [_summary(report), _settings(settings), _training(history_plot),
                _labels(report, scored, thresholds), _confusions(report, scored, galleries),
                _worst(report, scored, explain), _unsure(scored), _audit(audit)]
    sections = [section for section in sections if section]
    if galleries:
        sections.append(("images", "Images behind the counts", "".join(
            _gallery(scored, *gallery) for gallery in galleries)))
    return write_page(path, f"Evaluation on the {title}", _subtitle(report), sections)


def write_page(path, title, subtitle, sections):
    """Write one self-contained page to `path` (atomically): a header, then `sections`, each
    (id, heading, HTML), with links to them. For this report and for other pages of images
    (pyimagesearch/label_errors.py's gallery), so that all look alike."""
    page = _page(title, subtitle, sections)
    with atomic_write(path) as handle:
        # A file name that is not UTF-8 (held as surrogates) shows as U+FFFD, not a crash.
        handle.write(page.encode("utf-8", errors="surrogateescape").decode(
            "utf-8", errors="replace").encode("utf-8"))
    return path


def _text(value):
    return html.escape(str(value), quote=True)


def _figure(value, key):
    """A figure as the printed report shows it, tagged with where it sits in the JSON."""
    shown = "n/a" if value is None else value if isinstance(value, int) else f"{value:.3f}"
    return f"<td class='figure' data-key='{_text(json.dumps(key))}'>{shown}</td>"


def _page(title, subtitle, sections):
    nav = "".join(f"<a href='#{id_}'>{_text(heading)}</a>" for id_, heading, _ in sections)
    body = "".join(f"<section id='{id_}'><h2>{_text(heading)}</h2>{content}</section>"
                   for id_, heading, content in sections)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_text(title)}</title><style>{STYLE}</style></head><body>"
            f"<header><h1>{_text(title)}</h1><p>{subtitle}</p></header>"
            f"<nav>{nav}</nav><main>{body}</main></body></html>")


def _subtitle(report):
    rule = report.get("decision_rule") or "the model's decision rule"
    note = (" The thresholds were tuned on these same images, so the figures lean "
            "optimistic; evaluate.py on images the run never saw gives unbiased ones."
            if "tuned on these images" in rule else "")
    return f"{report['images']} images; labels decided by {_text(rule)}.{note}"


def _summary(report):
    cards = "".join(
        f"<div class='headline'><table><tr><th>{_text(name)}</th>"
        f"{_figure(report[key], [key])}</tr></table><p>{_text(meaning)}</p></div>"
        for key, name, meaning in HEADLINE)
    rows = "".join(f"<tr><th>{_text(name)}</th>{_figure(report[key], [key])}</tr>"
                   for key, name in SECONDARY if key in report)
    return "summary", "Headline figures", (
        f"<div class='cards'>{cards}</div><table class='secondary'>{rows}</table>")


def _settings(settings):
    if not settings:
        return None
    rows = "".join(f"<div><dt>{_text(key)}</dt><dd>{_text(_plain(value))}</dd></div>"
                   for key, value in sorted(settings.items()))
    return "settings", "Settings of the run", f"<dl class='settings'>{rows}</dl>"


def _plain(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _training(history_plot):
    if not history_plot:
        return None
    try:
        with open(history_plot, "rb") as handle:
            picture = _data_uri("image/png", handle.read())
    except OSError as error:
        return "training", "Training curves", (
            f"<p>No training curves: {_text(history_plot)}: {_text(error.strerror)}</p>")
    return "training", "Training curves", (
        f"<p>Per epoch, on the training and the validation images; the dashed line marks "
        f"the epoch kept.</p><img class='plot' src='{picture}' alt='training curves'>")


def _data_uri(kind, data):
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _label_id(index):
    return f"label-{index}"


def _labels(report, scored, thresholds):
    """A table of every label, then per label its curve and figures."""
    head = "".join(f"<th title='{_text(meaning)}'>{_text(name)}</th>"
                   for _, name, meaning in PER_LABEL)
    rows = "".join(
        f"<tr><td><a href='#{_label_id(i)}'>{_text(name)}</a></td>"
        + "".join(_figure(report["per_label"][name][key], ["per_label", name, key])
                  for key, _, _ in PER_LABEL)
        + f"<td class='text'>{_text(_cut_text(thresholds, name))}</td></tr>"
        for i, name in enumerate(scored.class_names))
    sections = "".join(_label_section(report, scored, thresholds, i)
                       for i in range(len(scored.class_names)))
    return "labels", "Per label", (
        f"<table class='per-label'><tr><th>label</th>{head}<th class='text'>decided by</th>"
        f"</tr>{rows}"
        f"</table><div class='label-grid'>{sections}</div>")


def _cut_text(thresholds, name):
    if thresholds is None:
        return "the rule above"
    cut = thresholds.get(name)
    return "most probable of its group" if cut is None else f"threshold {cut:.3f}"


def _label_section(report, scored, thresholds, index):
    name = scored.class_names[index]
    row = report["per_label"][name]
    curve = _curve_png(scored.targets[:, index], scored.probabilities[:, index],
                       (row["recall"], row["precision"]), _cut_text(thresholds, name))
    figures = "".join(f"<tr><th title='{_text(meaning)}'>{_text(label)}</th>"
                      f"{_figure(row[key], ['per_label', name, key])}</tr>"
                      for key, label, meaning in PER_LABEL)
    return (f"<div class='label' id='{_label_id(index)}'><h3>{_text(name)}</h3>"
            f"<img class='curve' src='{curve}' alt='precision-recall curve of {_text(name)}'>"
            f"<table>{figures}<tr><th>decided by</th><td class='text'>"
            f"{_text(_cut_text(thresholds, name))}</td></tr></table></div>")


def _curve_png(truth, scores, point, decided_by):
    """The precision-recall curve of one label, its operating point marked, as a PNG URI."""
    figure = Figure(figsize=(4, 3), dpi=80)
    axis = figure.subplots()
    if truth.any():
        precision, recall, _ = metrics.precision_recall_curve(truth, scores)
        axis.plot(recall, precision, drawstyle="steps-post", label="precision-recall")
    else:
        axis.text(0.5, 0.5, "no image has this label", ha="center", va="center")
    axis.plot([point[0]], [point[1]], "o", color="C3", markersize=8, clip_on=False,
              label=f"decisions ({decided_by})")
    axis.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.05), xlabel="recall", ylabel="precision")
    axis.grid(alpha=0.3)
    axis.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return _data_uri("image/png", buffer.getvalue())


def _confusions(report, scored, galleries):
    """Per exclusive group its true-against-predicted table; per other label its false
    positives and negatives; each count links to a gallery of its images."""
    groups = report.get("groups") or {}
    parts = [_group_table(index, name, entry, scored, galleries)
             for index, (name, entry) in enumerate(groups.items()) if entry.get("confusion")]
    in_tables = {label for entry in groups.values() if entry.get("confusion")
                 for label in entry["labels"]}
    rest = [i for i, name in enumerate(scored.class_names) if name not in in_tables]
    if rest:
        parts.append(_error_table(rest, scored, galleries, bool(parts)))
    return "confusions", "Which labels are taken for which", "".join(parts)


def _values(decided, names):
    """Each image's value in a group: its label, "none", or "a+b" (as evaluation.confusion)."""
    return ["+".join(name for name, flag in zip(names, row) if flag) or "none"
            for row in decided]


def _group_table(group_index, name, entry, scored, galleries):
    labels = entry["labels"]
    columns = [scored.class_names.index(label) for label in labels]
    truth = _values(scored.targets[:, columns], labels)
    chosen = _values(scored.decisions[:, columns], labels)
    values = list(entry["confusion"])
    rows = []
    for t, true in enumerate(values):
        cells = []
        for p, predicted in enumerate(values):
            count = entry["confusion"][true][predicted]
            key = ["groups", name, "confusion", true, predicted]
            link = f"group-{group_index}-{t}-{p}"
            if count:
                members = [i for i in range(len(truth)) if truth[i] == true
                           and chosen[i] == predicted]
                galleries.append((link, f"{name}: {true} taken for {predicted}", members,
                                   columns) if t != p else
                                  (link, f"{name}: {true}, right", members, columns, RIGHT_SHOWN))
            cells.append(f"<td class='figure {'right' if t == p else 'wrong' if count else ''}' "
                         f"data-key='{_text(json.dumps(key))}'>"
                         + (f"<a href='#{link}'>{count}</a>" if count else "0") + "</td>")
        rows.append(f"<tr><th>{_text(true)}</th>{''.join(cells)}</tr>")
    head = "".join(f"<th>{_text(value)}</th>" for value in values)
    return (f"<h3>{_text(name)}</h3><p>Rows: the true {_text(name)}; columns: the predicted "
            f"one. Accuracy in the group: "
            f"{'n/a' if entry['accuracy'] is None else format(entry['accuracy'], '.3f')}."
            f"</p><table class='confusion'><tr><th>true \\ predicted</th>{head}</tr>"
            f"{''.join(rows)}</table>")


def _error_table(columns, scored, galleries, after_groups):
    rows = []
    for i in columns:
        name = scored.class_names[i]
        cells = []
        for kind, flag, truth in (("false-positive", 1, 0), ("false-negative", 0, 1)):
            members = np.flatnonzero((scored.decisions[:, i] == flag)
                                     & (scored.targets[:, i] == truth)).tolist()
            link = f"{kind}-{i}"
            if members:
                galleries.append((link, f"{name}: {kind.replace('-', ' ')}s", members, [i]))
            cells.append(f"<td class='{'wrong' if members else ''}'>"
                         + (f"<a href='#{link}'>{len(members)}</a>" if members else "0")
                         + "</td>")
        support = int(scored.targets[:, i].sum())
        rows.append(f"<tr><td><a href='#{_label_id(i)}'>{_text(name)}</a></td>"
                    f"<td>{support}</td>{''.join(cells)}</tr>")
    intro = "The labels outside exclusive groups: " if after_groups else ""
    return (f"<h3>Wrong decisions per label</h3><p>{intro}false positives are images given "
            f"the label that lack it; false negatives, images that have it and were not given "
            f"it.</p><table><tr><th>label</th><th>support</th><th>false positives</th>"
            f"<th>false negatives</th></tr>{''.join(rows)}</table>")


def _worst(report, scored, explain):
    """The images with the highest loss among the wrong ones (evaluation's order)."""
    worst = evaluation.worst_images(scored.targets, scored.probabilities, scored.decisions,
                                    scored.class_names, scored.paths, count=GALLERY)
    if not worst:
        return "worst", "Worst classified", "<p>Every image has every label right.</p>"
    row_of = {path: row for row, path in enumerate(scored.paths)}
    cards = "".join(_card(scored, row_of[item["path"]], explain) for item in worst)
    heat = (" Beside each, where the network looked for the label it got most wrong "
            "(heat map)." if explain and scored.images is not None else "")
    return "worst", "Worst classified", (
        f"<p>Images with a wrong label, the highest cross-entropy first ({len(worst)} shown; "
        f"the JSON report lists the first {len(report.get('worst') or [])}). Wrong labels "
        f"are marked.{heat}</p>"
        f"<div class='gallery'>{cards}</div>")


def _unsure(scored):
    """Right images ordered by the lowest probability given to a right answer."""
    right = np.flatnonzero((scored.decisions == scored.targets).all(axis=1))
    if not len(right):
        return None
    given = np.where(scored.targets == 1, scored.probabilities, 1 - scored.probabilities)
    order = right[np.argsort(given[right].min(axis=1), kind="stable")][:GALLERY]
    cards = "".join(_card(scored, row) for row in order)
    return "unsure", "Least confident right ones", (
        f"<p>Images with every label right, the one whose right answer had the lowest "
        f"probability first ({len(order)} of {len(right)} shown).</p>"
        f"<div class='gallery'>{cards}</div>")


def _gallery(scored, id_, heading, rows, columns, limit=GALLERY):
    """The images `rows` that a count links to, the highest loss on the labels `columns`
    (the group's, or the label's) first."""
    loss = scored.loss[:, columns].sum(axis=1)
    total, rows = len(rows), sorted(rows, key=lambda row: -loss[row])[:limit]
    shown = f" ({len(rows)} of {total} shown, the least sure first)" if total > len(rows) \
        else f" ({total}, the least sure first)"
    return (f"<div class='linked' id='{_text(id_)}'><h3>{_text(heading + shown)}"
            f"<a class='back' href='#confusions'>back to the tables</a></h3>"
            f"<div class='gallery'>{''.join(_card(scored, row) for row in rows)}</div></div>")


def _card(scored, row, explain=None):
    """One image: path, thumbnail (and heat map), true and predicted labels, probabilities."""
    names, truth = scored.class_names, scored.targets[row]
    chosen, probabilities = scored.decisions[row], scored.probabilities[row]
    pictures = _pictures(scored, row, explain)
    listed = sorted(set(np.flatnonzero(truth | chosen)) | set(np.argsort(-probabilities)[:LISTED]),
                    key=lambda i: -probabilities[i])
    items = "".join(
        f"<tr class='{'wrong' if truth[i] != chosen[i] else ''}'><td>{_text(names[i])}</td>"
        f"<td>{'yes' if truth[i] else 'no'}</td><td>{'yes' if chosen[i] else 'no'}</td>"
        f"<td>{probabilities[i]:.3f}</td></tr>" for i in listed)
    kind = "card explained" if pictures.count("<img") > 1 else "card"
    return (f"<figure class='{kind}'><div class='path'>{_text(scored.paths[row])}</div>"
            f"<div class='body'>{pictures}<figcaption>is <b>{_text(_joined(names, truth))}</b>"
            f"<br>predicted <b>{_text(_joined(names, chosen))}</b><table><tr><th>label</th>"
            f"<th>true</th><th>predicted</th><th>p</th></tr>{items}</table></figcaption></div>"
            f"</figure>")


def _pictures(scored, row, explain):
    """The thumbnail and, given `explain` and a wrong label, the heat map of that label."""
    if scored.images is None:
        return ""
    image = np.asarray(scored.images[row])
    name = os.path.basename(scored.paths[row])
    pictures = f"<img src='{thumbnail(image)}' alt='{_text(name)}'>"
    label = _wrong_label(scored, row) if explain is not None else None
    if label is not None:
        about = _text(scored.class_names[label])
        why = f"why it said {about}" if scored.decisions[row, label] else \
            f"where it looked for {about}, missed"
        pictures += (f"<figure class='heatmap'><img src='{thumbnail(explain(image, label))}' "
                     f"alt='heat map for {about}'><figcaption>{why}</figcaption></figure>")
    return f"<div class='pictures'>{pictures}</div>"


def _wrong_label(scored, row):
    """The label to explain for an image: the most probable of those given wrongly, else
    the least probable of those missed; None when every label is right."""
    probabilities = scored.probabilities[row]
    given = np.flatnonzero((scored.decisions[row] == 1) & (scored.targets[row] == 0))
    missed = np.flatnonzero((scored.decisions[row] == 0) & (scored.targets[row] == 1))
    if len(given):
        return int(given[np.argmax(probabilities[given])])
    return int(missed[np.argmin(probabilities[missed])]) if len(missed) else None


def _joined(names, flags):
    return "+".join(name for name, flag in zip(names, flags) if flag) or "nothing"


def thumbnail(image):
    """A uint8 RGB image as a JPEG data URI, its longer side at most THUMBNAIL pixels."""
    image = np.asarray(image, dtype=np.uint8)
    scale = THUMBNAIL / max(image.shape[:2])
    if scale < 1:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    assert ok, "OpenCV failed to encode a uint8 RGB image as JPEG"
    return _data_uri("image/jpeg", encoded.tobytes())


def _audit(audit):
    """The dataset audit: warnings, counts, co-occurrence, absent combinations, duplicates."""
    if not audit:
        return None
    warnings = "".join(f"<li>{_text(text)}</li>" for text in dataset_audit.audit_warnings(audit))
    parts = [f"<p>{audit['images']} readable images, {len(audit['unreadable'])} unreadable.</p>",
             f"<ul class='warnings'>{warnings}</ul>" if warnings else "<p>No warnings.</p>",
             "<div class='side-by-side'>", _counts("per label", audit["per_label"]),
             _counts("per folder", audit["per_folder"]),
             _counts("per combination", audit["combinations"]), "</div>",
             _cooccurrence(audit["cooccurrence"]), _unseen(audit),
             _duplicates(audit["duplicate_groups"])]
    return "audit", "Dataset audit", "".join(parts)


def _counts(heading, counts):
    rows = "".join(f"<tr><td>{_text(name)}</td><td>{count}</td></tr>"
                   for name, count in counts.items())
    return f"<table><tr><th>{_text(heading)}</th><th>images</th></tr>{rows}</table>"


def _cooccurrence(table):
    names = list(table)
    head = "".join(f"<th>{_text(name)}</th>" for name in names)
    rows = "".join(f"<tr><th>{_text(a)}</th>"
                   + "".join(f"<td>{table[a][b]}</td>" for b in names) + "</tr>" for a in names)
    return (f"<h3>Co-occurrence</h3><p>Images carrying both labels; the diagonal is each "
            f"label's count.</p><table class='confusion'><tr><th></th>{head}</tr>{rows}</table>")


def _unseen(audit):
    absent = audit.get("absent_combinations") or []
    unseen = audit.get("unseen_combinations") or []
    text = (f"<p>Combinations the names allow but the data lacks: "
            f"{_text(', '.join(absent)) or 'none'}.</p>")
    if unseen:
        rows = "".join(
            f"<tr class='{'' if item['handled'] else 'wrong'}'><td>{_text(item['combination'])}"
            f"</td><td>{'yes' if item['held_out'] else 'no'}</td>"
            f"<td>{'yes' if item['handled'] else 'no'}</td><td class='text'>"
            f"{_text(item['reason'])}</td></tr>" for item in unseen)
        text += ("<table><tr><th>absent from training</th><th>in the validation images</th>"
                 f"<th>expected to work</th><th class='text'>why</th></tr>{rows}</table>")
    return f"<h3>Absent combinations</h3>{text}"


def _duplicates(groups):
    if not groups:
        return "<h3>Duplicates</h3><p>No two files have the same bytes.</p>"
    items = "".join(f"<li>{_text(', '.join(group['labels']))}: "
                    f"{_text(', '.join(group['paths']))}</li>"
                    for group in groups[:DUPLICATES_SHOWN])
    more = f" ({DUPLICATES_SHOWN} shown)" if len(groups) > DUPLICATES_SHOWN else ""
    return (f"<h3>Duplicates</h3><p>{len(groups)} groups of files with the same bytes{more}; "
            f"labels, then files:</p><ul>{items}</ul>")


STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232b;background:#fff}
header{background:#22384f;color:#fff;padding:14px 24px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;opacity:.9}
nav{position:sticky;top:0;background:#eef2f6;border-bottom:1px solid #c9d2dc;padding:7px 24px;z-index:1}
nav a{margin-right:16px;color:#1f5a96;text-decoration:none}
main{max-width:1200px;margin:0 auto;padding:0 24px 48px}
h2{border-bottom:2px solid #22384f;padding-bottom:3px;margin-top:32px}
a{color:#1f5a96}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #cfd6de;padding:3px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.text,th.text{text-align:left}
th{background:#f4f6f8;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px}
.headline{border:1px solid #cfd6de;border-radius:6px;padding:8px 12px}
.headline table{margin:0}
.headline tr{display:flex;flex-direction:column}
.headline th,.headline td{border:0;background:none;padding:0;text-align:left}
.headline th{font-size:15px;color:#4a5562}
.headline td{font-size:30px;font-weight:700}
.headline p{margin:4px 0 0;font-size:13px;color:#4a5562}
.settings{columns:3 300px;column-gap:24px;margin:8px 0}
.settings div{break-inside:avoid;display:flex;gap:8px;border-bottom:1px solid #e4e8ec;padding:2px 0}
.settings dt{font-weight:600;min-width:9em}
.settings dd{margin:0;font-family:ui-monospace,monospace;font-size:12px;overflow-wrap:anywhere}
img.plot{max-width:100%}
.label-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}
.label{border:1px solid #cfd6de;border-radius:6px;padding:6px 10px}
.label h3{margin:4px 0}
.label img{float:left;margin-right:8px}
.label::after{content:"";display:block;clear:both}
td.right{background:#dff1df}
td.wrong,tr.wrong td{background:#fbe2de}
.gallery{display:flex;flex-wrap:wrap;gap:10px}
figure.card{margin:0;border:1px solid #cfd6de;border-radius:6px;padding:6px;width:362px;font-size:12px}
figure.card.explained{width:556px}
.card .body{display:flex;gap:8px;align-items:flex-start}
.card figcaption{flex:1}
.pictures{display:flex;gap:4px}
.pictures figure{margin:0;width:128px;text-align:center;color:#4a5562}
.pictures img{width:128px;height:128px;object-fit:contain;background:#eee;display:block}
.path{font-family:ui-monospace,monospace;overflow-wrap:anywhere;color:#4a5562;margin-bottom:4px}
figure.card table{margin:4px 0 0;width:100%}
figure.card th,figure.card td{padding:1px 4px}
.back{font-size:13px;font-weight:normal;margin-left:10px}
.side-by-side{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
.warnings li{color:#8a2b13}
"""
