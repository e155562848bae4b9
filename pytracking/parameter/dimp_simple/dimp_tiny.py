"""DiMP-tiny run by the ``dimp_simple`` tracker: the base tracker whose candidates
``pytracking/util_scripts/create_distractor_dataset.py`` records for KeepTrack training on the synthetic benchmark
(``ltr/train_settings/keep_track/keep_track_tiny.py``). Same parameters and network as ``dimp/dimp_tiny``."""
from pytracking.parameter.dimp.dimp_tiny import parameters  # noqa: F401  (the parameter function of this file)
