"""KeepTrack-tiny: trains a small target candidate matching network for the shipped DiMP-tiny base tracker on the
embedded synthetic benchmark (the project's KeepTrack recipe, ``keep_track.py``, at synthetic-benchmark size).

    OMP_NUM_THREADS=1 python ltr/run_training.py keep_track keep_track_tiny --seed 1 --device cpu

Steps (each reused when already done):
1. the first ``num_sequences`` synthetic TRAINING sequences (seeds 0..N-1, never the validation or test split) are
   written in the GOT-10k layout by :class:`pytracking.evaluation.syntheticdataset.SyntheticDataset`
   (``split='train'``);
2. the base tracker (``dimp_simple`` tracker with the ``dimp_tiny`` network and parameters) runs over those with
   look-alike distractors plus the first ``num_plain_sequences`` others, and
   ``pytracking/util_scripts/create_distractor_dataset.py`` stores its candidates (:func:`create_candidate_data`)
   with the candidate geometry of DiMP-tiny's 11x11 score map (:data:`GEOMETRY`);
3. the matching network ``target_candidate_matching_net_tiny`` (backbone loaded from ``dimp_tiny.pth.tar`` and
   frozen) is trained with the KeepTrack loaders, loss and actor of ``keep_track.py``; the last
   ``num_val_sequences`` tracked sequences (seed order) are the validation split.

Export the shipped file with :func:`export_network`. Settings already present on ``settings`` before ``run`` keep
their value (``num_sequences``, ``num_plain_sequences``, ``num_val_sequences``, ``batch_size``, ``num_workers``,
``num_epochs``, ``samples_per_epoch``, ``val_samples_per_epoch``, ``val_hh_samples``, ``val_hk_samples``,
``learning_rate``, ``lr_step_size``, ``base_network_path``, ``candidate_file``, ``fail_safe``).
"""
import logging
import os

import ltr.admin.loading as network_loading
from ltr.data.synthetic import split_specs
from ltr.dataset import Got10kCandidateMatching
from ltr.models.target_candidate_matching import target_candidate_matching as tcm
from ltr.train_settings.keep_track.keep_track import make_loaders, train_matching_net
from pytracking.util_scripts.create_distractor_dataset import CandidateGeometry

logger = logging.getLogger(__name__)

DEFAULTS = {
    'num_sequences': 300,
    'num_plain_sequences': 20,
    'num_val_sequences': 6,
    'batch_size': 16,
    # Data prepared in the main process: on the 2-core machine the recipe was made for, a worker only competes with
    # the training step for the same cores.
    'num_workers': 0,
    'multi_gpu': False,
    'print_interval': 10,
    'num_epochs': 20,
    'samples_per_epoch': 16 * 50,
    'val_samples_per_epoch': 16 * 5,
    'val_hh_samples': 40,
    'val_hk_samples': 20,
    # Higher than the original's 1e-4: the descriptor head and the matcher start from scratch and train for
    # 1000 instead of 1500 iterations; x0.2 for the last 5 epochs.
    'learning_rate': 1.0e-3,
    'lr_step_size': 15,
    'fail_safe': True,
}

# The base tracker: DiMP-tiny tracks on 160x160 crops (image_sample_size), i.e. 10x10 features at stride 16 and an
# 11x11 score map (4x4 filter).
FEATURE_SZ = 10
BASE_TRACKER = ('dimp_simple', 'dimp_tiny')
# A target spans ~2 cells of the 11x11 score map (32-pixel targets at stride 16), half of what it spans on
# SuperDiMP's map: the original's 5x5 local-maximum window would merge a look-alike passing 1-1.5 target sizes away
# into the target's maximum. Same rule as the tracker's ``local_max_candidate_kernel_size`` (keep_track_tiny).
GEOMETRY = CandidateGeometry(kernel_size=3, match_radius=1.5, separation_radius=2.0)


def synthetic_training_dataset(num_sequences: int):
    """The first ``num_sequences`` synthetic training sequences as a pytracking dataset (written on first use)."""
    from pytracking.evaluation.syntheticdataset import SyntheticDataset
    return SyntheticDataset(split='train', num_sequences=num_sequences)


def candidate_sequence_names(num_sequences: int, num_plain_sequences: int) -> list:
    """Names of the training sequences the base tracker runs over: every one of the first ``num_sequences`` with the
    look-alike-distractor factor (candidates besides the target are what the matcher learns from) and the first
    ``num_plain_sequences`` without it, in seed order."""
    specs = split_specs('train', num_sequences)
    plain = [s.name for s in specs if 'distractor' not in s.challenges][:num_plain_sequences]
    return [s.name for s in specs if 'distractor' in s.challenges or s.name in plain]


def create_candidate_data(num_sequences: int, candidate_file: str = None, device: str = 'cpu',
                          num_plain_sequences: int = DEFAULTS['num_plain_sequences']) -> tuple:
    """Run the base tracker over the chosen synthetic training sequences (:func:`candidate_sequence_names`) and
    store their candidates.

    Sequences already in ``candidate_file`` are skipped (an interrupted run continues).
    returns (GOT-10k-layout folder of the sequences, candidate file path).
    """
    from pytracking.evaluation import Tracker
    from pytracking.util_scripts import create_distractor_dataset as cdd

    dataset = synthetic_training_dataset(num_sequences)
    if candidate_file is None:
        candidate_file = cdd.output_file(os.path.dirname(dataset.base_path), *BASE_TRACKER)
    done = cdd.load_dump_seq_data_from_disk(candidate_file)
    tracker = Tracker(*BASE_TRACKER, device=device)
    wanted = set(candidate_sequence_names(num_sequences, num_plain_sequences))
    todo = [seq for seq in dataset.get_sequence_list() if seq.name in wanted and seq.name not in done]
    logger.info('Candidate data: %d of %d sequences to track', len(todo), len(wanted))
    for seq in todo:
        cdd.run_sequence(seq, tracker, candidate_file, GEOMETRY)
    return dataset.base_path, candidate_file


def run(settings):
    settings.description = ('KeepTrack-tiny: trains a small target candidate matching network for DiMP-tiny on '
                            'candidates of synthetic training sequences')
    for name, value in DEFAULTS.items():
        if getattr(settings, name, None) is None:
            setattr(settings, name, value)
    settings.normalize_mean = [0.485, 0.456, 0.406]
    settings.normalize_std = [0.229, 0.224, 0.225]
    settings.feature_sz = FEATURE_SZ
    settings.output_sz = FEATURE_SZ * 16
    score_map_sz = (FEATURE_SZ + 1, FEATURE_SZ + 1)
    specs = split_specs('train', settings.num_sequences)
    names = candidate_sequence_names(settings.num_sequences, settings.num_plain_sequences)
    if not 0 < settings.num_val_sequences < len(names):
        raise ValueError('keep_track_tiny: num_val_sequences ({}) must be in 1..{} (the tracked sequences minus '
                         'one)'.format(settings.num_val_sequences, len(names) - 1))

    root, candidate_file = create_candidate_data(settings.num_sequences, getattr(settings, 'candidate_file', None),
                                                 num_plain_sequences=settings.num_plain_sequences)
    # Validation: the last tracked sequences in seed order (sequences with distractors, with the default sizes).
    val_names = set(names[-settings.num_val_sequences:])
    # Dataset ids are positions in the split's list.txt, i.e. the seeds.
    seed_of = {s.name: i for i, s in enumerate(specs)}
    train_data = Got10kCandidateMatching(root, candidate_file, seq_ids=[seed_of[n] for n in names
                                                                         if n not in val_names])
    val_data = Got10kCandidateMatching(root, candidate_file, seq_ids=sorted(seed_of[n] for n in val_names))
    loaders = make_loaders(settings, train_data, val_data, score_map_sz)

    # The backbone (frozen) is the base network's.
    net = tcm.target_candidate_matching_net_tiny()
    base_network_path = getattr(settings, 'base_network_path', None) or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
        'pytracking', 'networks', 'dimp_tiny.pth.tar')
    if not os.path.isfile(base_network_path):
        raise FileNotFoundError("Base network '{}' not found (the shipped DiMP-tiny, pytracking/networks/"
                                "dimp_tiny.pth.tar)".format(base_network_path))
    base_net, _ = network_loading.load_network(checkpoint=base_network_path)
    missing = net.load_state_dict(base_net.state_dict(), strict=False).missing_keys
    if any(k.startswith('feature_extractor.') for k in missing):
        raise ValueError("'{}' does not hold a resnet_baby backbone matching the tiny matching network".format(
            base_network_path))

    return train_matching_net(settings, net, loaders, lr=settings.learning_rate, lr_step_size=settings.lr_step_size)


def export_network(checkpoint_path: str, out_path: str) -> dict:
    """Write the shipped ``keep_track_tiny.pth.tar`` from a training checkpoint of this recipe: the official layout
    without what only resuming needs (optimizer, scheduler) and without the machine's paths (``settings.env``).
    returns: the written dict."""
    return network_loading.export_network_file(checkpoint_path, out_path,
                                               builder_name='target_candidate_matching_net_tiny')
