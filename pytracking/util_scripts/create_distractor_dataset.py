"""Build KeepTrack's training data: run a base tracker over training sequences and store, for every frame
with a useful state, the target candidates it saw.

    python pytracking/util_scripts/create_distractor_dataset.py dimp_simple super_dimp_simple lasot_train /path/to/save_dir

writes ``<save_dir>/target_candidates_dataset_<tracker>_<param>.json`` (format in
:mod:`ltr.dataset.lasot_candidate_matching`; the original's file name and layout). Sequences already in the file
are skipped, so an interrupted run continues where it stopped; the file is rewritten (atomically) after each
sequence. Read it for training with :class:`ltr.dataset.LasotCandidateMatching` (LaSOT) or
:class:`ltr.dataset.Got10kCandidateMatching` (GOT-10k).

The tracker must record ``distractor_dataset_data`` (score map, sample position and scale, search area box) in
``track`` and provide ``get_label_function``, as ``dimp_simple`` does. Candidates are the local maxima of the
score map above 0.05 (5x5 neighbourhood by default; ``--kernel_size`` and :class:`CandidateGeometry` for coarser
maps). Frame states (see :mod:`ltr.data.sampler_candidate_matching`) compare the candidates with the annotated target
centre on the score map; frames without a state are not stored.
"""
import argparse
import json
import logging
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np
import torch
from tqdm import tqdm

if __package__ in (None, ''):  # run as a script: make the repository importable from any working directory
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..')))

import ltr.data.processing_utils as prutils  # noqa: E402
from pytracking.libs import dcf  # noqa: E402

logger = logging.getLogger(__name__)

CANDIDATE_THRESHOLD = 0.05     # minimum score of a candidate (local maximum)
CANDIDATE_KERNEL = 5           # neighbourhood of a local maximum (score-map cells)
HIGH_SCORE_THRESHOLD = 0.25    # a top score below this makes a 'G' instead of an 'H' frame
MATCH_RADIUS = 2               # a candidate within this many cells of the target centre is the target
SEPARATION_RADIUS = 4          # ... and the next candidate must be farther than this


@dataclass(frozen=True)
class CandidateGeometry:
    """Score-map distances (cells) that define candidates and frame states.

    The defaults are the original's, made for SuperDiMP's 30x30 score map (a target spans ~4 cells). A base
    tracker with a coarser map needs proportionally smaller values (e.g. DiMP-tiny's 11x11 map, a target ~2
    cells: kernel 3, radii 1 and 2), else a distractor next to the target is swallowed by the target's maximum.

    attributes:
        kernel_size: neighbourhood (odd) of a local maximum.
        match_radius: a candidate within this distance of the annotated centre is the target...
        separation_radius: ...if the next closest candidate is farther than this.
    """
    kernel_size: int = CANDIDATE_KERNEL
    match_radius: float = MATCH_RADIUS
    separation_radius: float = SEPARATION_RADIUS


def output_file(save_dir: str, tracker_name: str, parameter_name: str) -> str:
    """The candidate file of a tracker and parameter set (the original's name)."""
    return os.path.join(save_dir, 'target_candidates_dataset_{}_{}.json'.format(tracker_name, parameter_name))


def load_dump_seq_data_from_disk(path: str) -> dict:
    """The candidate file's contents, or {} when it does not exist yet."""
    if not os.path.exists(path):
        return {}
    with open(path, 'r') as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError("Candidate file '{}' is corrupt ({}); remove it to start over".format(path, e)) from e


def dump_seq_data_to_disk(save_path: str, seq_name: str, seq_data: dict) -> None:
    """Add (or replace) one sequence's entry; written to a temporary file first so a crash never leaves a
    truncated file."""
    data = load_dump_seq_data_from_disk(save_path)
    data[seq_name] = seq_data
    folder = os.path.dirname(os.path.abspath(save_path))
    os.makedirs(folder, exist_ok=True)
    tmp = save_path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f)
    os.replace(tmp, save_path)


def determine_frame_state(target_anno_coord: torch.Tensor, candidate_coords: torch.Tensor,
                          candidate_scores: torch.Tensor, visible: bool,
                          geometry: CandidateGeometry = CandidateGeometry()) -> Optional[str]:
    """The state of a frame ('G', 'H', 'J', 'K' or None).

    args:
        target_anno_coord: ``[2]`` score-map (row, col) of the annotated target centre.
        candidate_coords: ``[K, 2]`` candidates' (row, col), highest score first.
        candidate_scores: ``[K]`` their scores.
        visible: Whether the target is visible in the frame.
        geometry: The match and separation radii (defaults 2 and 4 cells, the original's).
    Needs at least two candidates and a visible target. With ``d`` the distances of the candidates to the target
    centre: 'H' when the closest candidate is the highest-scoring one, within the match radius, the second
    closest farther than the separation radius, and the top score >= 0.25; 'G' the same with a top score < 0.25;
    'K' when the target is a candidate in that sense but not the highest-scoring one (top score >= 0.25); 'J'
    when no candidate is within the separation radius while the top score is >= 0.25.
    """
    num = candidate_scores.shape[0]
    if num < 2 or not visible:
        return None
    max_score = float(candidate_scores.max())
    dist = torch.sqrt(((target_anno_coord.float().reshape(1, 2) - candidate_coords.float()) ** 2).sum(dim=1))
    order = torch.argsort(dist)
    closest, second = float(dist[order[0]]), float(dist[order[1]])
    target_is_candidate = closest <= geometry.match_radius and second > geometry.separation_radius
    if target_is_candidate and int(order[0]) == 0:
        return 'H' if max_score >= HIGH_SCORE_THRESHOLD else 'G'
    if closest > geometry.separation_radius and max_score >= HIGH_SCORE_THRESHOLD:
        return 'J'
    if target_is_candidate and max_score >= HIGH_SCORE_THRESHOLD:
        return 'K'
    return None


def determine_subseq_state(frame_state: Optional[str], frame_state_previous: Optional[str]) -> Optional[str]:
    """The state of the pair (previous frame, frame), e.g. 'HK'; None when either has none."""
    if frame_state is None or frame_state_previous is None:
        return None
    return frame_state_previous + frame_state


def _frame_visible(seq, frame_index: int) -> bool:
    box = np.asarray(seq.ground_truth_rect[frame_index], dtype=np.float64)
    valid = bool(np.all(np.isfinite(box)) and box[2] > 0 and box[3] > 0)
    if getattr(seq, 'target_visible', None) is not None:
        return valid and bool(seq.target_visible[frame_index])
    return valid   # datasets without visibility flags (GOT-10k test/val): a valid box means visible


def extract_candidate_data(tracker, seq, kernel_size: int = CANDIDATE_KERNEL) -> dict:
    """Candidate data of the frame the tracker just processed (``tracker.frame_num``, 1-based); candidates are the
    local maxima in ``kernel_size`` square neighbourhoods.

    returns dict: ``index`` (0-based frame), ``search_area_box`` ``[4]``, ``target_anno_coord`` ``[2]`` (argmax of
    the tracker's label function at the ground-truth centre), ``target_candidate_coords`` ``[K, 2]``,
    ``target_candidate_scores`` ``[K]``.
    """
    data = getattr(tracker, 'distractor_dataset_data', None)
    if data is None:
        raise TypeError("Tracker class '{}' does not record 'distractor_dataset_data'; use a base tracker that "
                        "does (e.g. dimp_simple)".format(type(tracker).__name__))
    index = tracker.frame_num - 1
    box = torch.as_tensor(np.asarray(seq.ground_truth_rect[index], dtype=np.float32))
    center = (box[:2] + (box[2:] - 1) / 2)[[1, 0]]     # (y, x)
    label = tracker.get_label_function(center, data['sample_pos'], data['sample_scale'])[0]
    _, target_anno_coord = dcf.max2d(label.squeeze())
    score_map = data['score_map'].detach().float().cpu().squeeze()
    coords, scores = prutils.find_local_maxima(score_map, th=CANDIDATE_THRESHOLD, ks=kernel_size)
    return dict(search_area_box=torch.as_tensor(data['search_area_box']).float().cpu(), index=index,
                target_anno_coord=target_anno_coord, target_candidate_scores=scores,
                target_candidate_coords=coords)


def update_seq_data(seq_candidate_data: Dict, frame_candidate_data: dict, frame_state: str,
                    subseq_state: Optional[str]) -> None:
    """Append one frame's data and register its state (and the pair state with the previous frame)."""
    index = frame_candidate_data['index']
    for key, val in frame_candidate_data.items():
        seq_candidate_data[key].append(val.float().tolist() if torch.is_tensor(val) else val)
    seq_candidate_data.setdefault('frame_states', defaultdict(list))[frame_state].append(index)
    if subseq_state is not None:
        subseq_states = seq_candidate_data.setdefault('subseq_states', defaultdict(list))
        if subseq_state in ('HH', 'HK', 'HG'):
            subseq_states[subseq_state].append(index - 1)


def run_sequence(seq, tracker, save_path: str, geometry: CandidateGeometry = CandidateGeometry()) -> dict:
    """Track ``seq`` with ``tracker`` (a :class:`pytracking.evaluation.Tracker`) and add its candidate data,
    extracted with ``geometry``, to ``save_path``. Returns the sequence's entry."""
    params = tracker.get_parameters()
    tracker_inst = tracker.create_tracker(params)
    tracker_inst.initialize(tracker._read_image(seq.frames[0], seq.name), seq.init_info())

    seq_candidate_data = defaultdict(list)
    previous_state = None
    for frame_num, frame_path in enumerate(tqdm(seq.frames[1:], leave=False, desc=seq.name), start=1):
        image = tracker._read_image(frame_path, seq.name)
        tracker_inst.track(image, seq.frame_info(frame_num))
        frame_data = extract_candidate_data(tracker_inst, seq, geometry.kernel_size)
        state = determine_frame_state(frame_data['target_anno_coord'], frame_data['target_candidate_coords'],
                                      frame_data['target_candidate_scores'], _frame_visible(seq, frame_data['index']),
                                      geometry)
        if state is not None:
            update_seq_data(seq_candidate_data, frame_data, state, determine_subseq_state(state, previous_state))
        previous_state = state

    entry = json.loads(json.dumps(seq_candidate_data))   # plain dicts and lists, as stored
    dump_seq_data_to_disk(save_path, seq.name, entry)
    return entry


def run_tracker(tracker_name: str, parameter_file_name: str, dataset_name: str, save_dir: str,
                sequence: Optional[str] = None, device: Optional[str] = None,
                geometry: CandidateGeometry = CandidateGeometry()) -> str:
    """Run the tracker over the dataset's sequences not yet in the candidate file; returns the file's path.

    args:
        sequence: Only this sequence (name or index), for a quick check.
        device: Device for ``params.device`` (e.g. 'cpu', 'cuda:1').
        geometry: Candidate kernel and state radii (default: the original's, for SuperDiMP's score map).
    """
    from pytracking.evaluation import Tracker, get_dataset

    save_path = output_file(save_dir, tracker_name, parameter_file_name)
    dumped = load_dump_seq_data_from_disk(save_path)
    tracker = Tracker(tracker_name, parameter_file_name, device=device)
    tracker.check_available()
    dataset = get_dataset(dataset_name)
    if sequence is not None:
        dataset = [dataset[int(sequence)] if sequence.isdigit() else dataset[sequence]]
    todo = [seq for seq in dataset if seq.name not in dumped]
    logger.info('%d sequences to run, %d already in %s', len(todo), len(dataset) - len(todo), save_path)
    for seq in tqdm(todo, desc='sequences'):
        run_sequence(seq, tracker, save_path, geometry)
    return save_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Run tracker and dump tracker states to form distractor dataset.')
    parser.add_argument('tracker_name', type=str, help='Name of tracker.')
    parser.add_argument('parameter_file_name', type=str, help='Name of parameter file in the tracker folder.')
    parser.add_argument('dataset_name', type=str, help='Name of the dataset (e.g. lasot_train).')
    parser.add_argument('save_dir', type=str, help='Path to storage folder')
    parser.add_argument('--sequence', type=str, default=None, help='Only this sequence (name or index).')
    parser.add_argument('--device', type=str, default=None, help='Device, e.g. cpu, cuda, cuda:1.')
    parser.add_argument('--kernel_size', type=int, default=CANDIDATE_KERNEL,
                        help='Neighbourhood of a candidate (local maximum) in score-map cells (odd).')
    parser.add_argument('--match_radius', type=float, default=MATCH_RADIUS,
                        help='Cells within which a candidate is the annotated target.')
    parser.add_argument('--separation_radius', type=float, default=SEPARATION_RADIUS,
                        help='Cells beyond which the next candidate must lie for the target to be unambiguous.')
    args = parser.parse_args(argv)
    if args.kernel_size < 1 or args.kernel_size % 2 == 0:
        parser.error('--kernel_size must be a positive odd number, got {}'.format(args.kernel_size))

    from pytracking.evaluation._cli import setup_logging
    setup_logging()
    path = run_tracker(args.tracker_name, args.parameter_file_name, args.dataset_name, args.save_dir,
                       args.sequence, args.device,
                       CandidateGeometry(args.kernel_size, args.match_radius, args.separation_radius))
    print('Candidate data: {}'.format(path))
    return 0


if __name__ == '__main__':
    from pytracking.evaluation._cli import run_main
    run_main(main)
