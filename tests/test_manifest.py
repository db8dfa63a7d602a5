"""Manifest labels: a label is exactly what the separator delimits."""

from pyimagesearch import manifest
from tests.conftest import make_dataset


def test_planet_labels_with_underscores_stay_whole(tmp_path):
    images = make_dataset(tmp_path / "images", per_folder=1, folders=("red_dress", "blue_shirt"))
    rows = ["image_name,tags",
            "red_dress/000.png,partly_cloudy primary",
            "blue_shirt/000.png,cloudy",
            '"red_dress/000.png","Slash_Burn, primary,slash_burn"']
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    entries, missing = manifest.read_manifest(str(tmp_path / "labels.csv"), images)
    assert missing == []
    assert [labels for _, labels in entries] == [
        ["partly_cloudy", "primary"], ["cloudy"], ["slash_burn", "primary"]]
