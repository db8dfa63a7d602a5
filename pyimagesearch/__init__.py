"""Multi-label image classification with Keras: the shared library behind train.py and classify.py."""
