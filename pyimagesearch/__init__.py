"""Multi-label image classification with Keras: see README.md.

    from pyimagesearch import Classifier
    clf = Classifier.load("output/fashion.keras")
    results = clf.predict(["photo.jpg"])
"""


def __getattr__(name):
    # Imported on first use, so that `import pyimagesearch.anything` stays cheap.
    if name == "Classifier":
        from pyimagesearch.classifier import Classifier

        return Classifier
    raise AttributeError(f"module 'pyimagesearch' has no attribute {name!r}")
