"""Label groups: which labels are values of one attribute (colour, item) and which stand alone.

Usage:
    chosen = resolve("auto", class_names, dataset.paths, dataset.labels)  # folder datasets
    chosen = resolve("colour=black,blue,red;item=dress,jeans,shirt", class_names)
    print(describe(chosen))  # "label groups: colour (one of black, blue, red), item (...)"
    Description(groups=to_json(chosen)); chosen = from_json(description.groups, class_names)

A group is exclusive when every image carries exactly one of its labels (a colour, an item);
a model can then pick one value per group instead of deciding every label on its own, and
the parts it has seen in different folders can meet in a combination it has not seen.

When every folder name has the same number of `_`-separated parts and no label appears in
two positions (red_dress, blue_shirt, ...), each position is an exclusive group, named
"colour" if all its labels are colour names, "item" for the other of two positions, else
"group1", "group2", ... A declaration names groups explicitly: `name=a,b,c` separated by
`;`, a name ending in `+` (`tags+=a,b`) for a non-exclusive group; labels it leaves out form
the non-exclusive group "other". "none" keeps one independent sigmoid per label (the 2018
recipe), as do datasets whose folder names have no consistent shape, and manifests unless
they declare groups.

Pure Python and cheap to import, so that argparse can check a declaration at once.
"""

import dataclasses
import os

from pyimagesearch import colours
from pyimagesearch.errors import UserError

AUTO = "auto"  # infer groups from folder names
NONE = "none"  # no groups: one sigmoid per label
OTHER = "other"  # the non-exclusive group of labels a declaration leaves out


@dataclasses.dataclass(frozen=True)
class Group:
    name: str
    labels: tuple  # label names, sorted
    exclusive: bool = True  # exactly one label of the group per image

    def to_json(self):
        return {"name": self.name, "labels": list(self.labels), "exclusive": self.exclusive}

    @classmethod
    def from_json(cls, data):
        """A group from its description entry; UserError when the entry is malformed."""
        if not (isinstance(data, dict) and isinstance(data.get("name"), str)
                and isinstance(data.get("labels"), list)
                and all(isinstance(label, str) for label in data["labels"])
                and isinstance(data.get("exclusive", True), bool)):
            raise UserError(f"malformed label group in the model description: {data!r:.80}")
        return cls(data["name"], tuple(data["labels"]), data.get("exclusive", True))


def folder_parts(paths):
    """The `_`-separated parts of each image's folder name, lower-cased, repeats kept:
    `Red_red/1.jpg` -> ["red", "red"] (its labels are just ["red"])."""
    return [[part.strip().lower() for part in
             os.path.basename(os.path.dirname(path)).split("_") if part.strip()]
            for path in paths]


def infer(folder_label_lists):
    """Exclusive groups, one per position of the folder names' parts, or [] when the names
    have no consistent shape: different numbers of parts, a single part, a label in two
    positions, or a position with only one value (nothing to choose between)."""
    shapes = {len(parts) for parts in folder_label_lists}
    if len(shapes) != 1 or shapes == {0} or shapes == {1}:
        return []
    positions = [sorted({parts[i] for parts in folder_label_lists}) for i in range(shapes.pop())]
    every = [label for position in positions for label in position]
    if len(every) != len(set(every)) or min(map(len, positions)) < 2:
        return []
    return [Group(name, tuple(position), True)
            for name, position in zip(_names(positions), positions)]


def _names(positions):
    """ "colour" for the one position of colour names, "item" for the other of two."""
    names = [f"group{index}" for index in range(1, len(positions) + 1)]
    colours = known_colours()
    is_colour = [all(label in colours for label in position) for position in positions]
    if is_colour.count(True) == 1:  # two colour positions: neither is "the" colour
        names[is_colour.index(True)] = "colour"
        if len(positions) == 2:
            names[is_colour.index(False)] = "item"
    return names


def known_colours():
    """Colour names the tool knows (pyimagesearch/colours.py)."""
    return frozenset(colours.COLOURS)


def parse(text):
    """Groups declared as `colour=black,blue;item=dress,jeans;tags+=a,b` (syntax only)."""
    declared, seen = [], set()
    for entry in filter(None, (part.strip() for part in text.split(";"))):
        name, equals, listed = entry.partition("=")
        name = name.strip()
        exclusive = not name.endswith("+")
        name = name.rstrip("+").strip()
        if not equals or not name:
            raise UserError(f"cannot read label group {entry!r}: expected NAME=label,label "
                            "(NAME+= for a group whose labels may go together)")
        group_labels = tuple(dict.fromkeys(
            label for label in (part.strip().lower() for part in listed.split(",")) if label))
        if not group_labels:
            raise UserError(f"label group {name} lists no labels")
        if exclusive and len(group_labels) < 2:
            raise UserError(f"exclusive label group {name} needs at least two labels "
                            f"(it has {group_labels[0]}); write {name}+= for a lone label")
        if name in seen:
            raise UserError(f"label group {name} is declared twice")
        seen.add(name)
        declared.append(Group(name, tuple(sorted(group_labels)), exclusive))
    if not declared:
        raise UserError(f"no label groups in {text!r}: give auto, none, or NAME=label,label;...")
    return declared


def check_flag(text):
    """Raise UserError unless `text` is auto, none or a readable declaration."""
    if text not in (AUTO, NONE):
        parse(text)


def flag(text):
    """The argparse type of --groups: the text, checked (an error names what is wrong)."""
    import argparse

    try:
        check_flag(text)
    except UserError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def resolve(flag, class_names, paths=None, image_labels=None, from_folders=True,
            allow_unknown=False):
    """The groups a run uses: inferred (auto, folder datasets only), none, or declared and
    completed with "other". Declared exclusive groups are checked against `image_labels`
    (each image one label of each); `allow_unknown` lets a declaration name labels the
    data lacks (the audit asks about a catalogue, not only about the data)."""
    if flag == NONE:
        return []
    if flag == AUTO:
        found = infer(folder_parts(paths)) if from_folders and paths else []
        return found if {label for group in found for label in group.labels} == set(
            class_names) else []
    chosen = complete(parse(flag), class_names, allow_unknown)
    if image_labels is not None:
        check_images(chosen, image_labels, paths)
    return chosen


def complete(declared, class_names, allow_unknown=False):
    """Declared groups checked against the labels, plus "other" for the labels left out."""
    owner = {}
    for group in declared:
        for label in group.labels:
            if label in owner:
                raise UserError(f"label {label} is in two groups: {owner[label]} and {group.name}")
            owner[label] = group.name
    unknown = sorted(set(owner) - set(class_names))
    if unknown and not allow_unknown:
        raise UserError(f"label group {owner[unknown[0]]} names {', '.join(unknown)}, not among "
                        f"the dataset's labels ({', '.join(class_names)})")
    rest = tuple(sorted(set(class_names) - set(owner)))
    if not rest:
        return list(declared)
    if OTHER in {group.name for group in declared}:
        raise UserError(f"labels {', '.join(rest)} are in no group, and the group for them, "
                        f"{OTHER}, is declared already: add them to a group")
    return list(declared) + [Group(OTHER, rest, False)]


def check_images(groups, image_labels, paths=None):
    """UserError when an image carries no label, or two, of an exclusive group."""
    for group in groups:
        if not group.exclusive:
            continue
        members = set(group.labels)
        counts = [len(members.intersection(row)) for row in image_labels]
        for words, wrong in (("no label", lambda count: count == 0),
                             ("more than one label", lambda count: count > 1)):
            bad = [index for index, count in enumerate(counts) if wrong(count)]
            if bad:
                example = paths[bad[0]] if paths else f"image {bad[0] + 1}"
                raise UserError(f"{len(bad)} image(s) carry {words} of the exclusive group "
                                f"{group.name} (e.g. {example}); write {group.name}+= to "
                                "declare it non-exclusive")


def to_json(groups):
    return [group.to_json() for group in groups]


def from_json(saved, class_names):
    """The groups saved with a model (`saved`: a description's; [] for models saved without,
    whose description's groups are None), checked against its labels."""
    saved = saved or []
    if not isinstance(saved, list):
        raise UserError("malformed label groups in the model description")
    chosen = [Group.from_json(entry) for entry in saved]
    owner = {}
    for group in chosen:
        for label in group.labels:
            if label not in class_names or label in owner:
                raise UserError(f"the model description's label group {group.name} names "
                                f"{label}, {'twice' if label in owner else 'not a model label'}")
            owner[label] = group.name
    return chosen


def columns(group, class_names):
    """The group's labels as column indices of a model's outputs."""
    return [list(class_names).index(label) for label in group.labels]


def group_of(groups):
    """{label: its group's name}."""
    return {label: group.name for group in groups for label in group.labels}


def describe(groups):
    """The groups in words, for the training log and the audit."""
    if not groups:
        return "label groups: none (one independent decision per label)"
    return "label groups: " + ", ".join(
        f"{group.name} ({'one of' if group.exclusive else 'any of'} {', '.join(group.labels)})"
        for group in groups)
