"""KeepTrack-tiny (``keep_track keep_track_tiny``) against its own base tracker DiMP-tiny (``dimp dimp_tiny``) on the
synthetic test split: AUC / OP50 / OP75 / precision on the sequences with look-alike distractors and on all
sequences, and AUC per challenge factor, all from ``pytracking.analysis``.

    OMP_NUM_THREADS=1 python benchmarks/keep_track_synthetic.py [--distractor-only] [--runs 3] [--threads 2]
        [--split val --num-sequences 100]

``--split val`` scores the validation split instead (held-out training-range seeds, where KeepTrack-tiny's settings
were chosen); the default is the test split. Both trackers use random first-frame augmentation, so a run is one
sample of each: ``--runs N`` adds runs with run ids 1..N-1 on the distractor sequences and reports each run and
their mean (``merge_results``).
"""
import argparse
import logging
import os
import sys
from typing import List, Optional

if __package__ in (None, ''):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

from benchmarks.synthetic_peers import PLOT_TYPES, attribute_subsets  # noqa: E402


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--distractor-only', action='store_true',
                        help='Run and score only the sequences with look-alike distractors.')
    parser.add_argument('--runs', type=int, default=1, help='Runs per tracker on the distractor sequences.')
    parser.add_argument('--threads', type=int, default=0, help='Worker processes (0: this process).')
    parser.add_argument('--split', choices=('test', 'val'), default='test',
                        help="Synthetic split: 'test' (the benchmark) or 'val' (for tuning).")
    parser.add_argument('--num-sequences', type=int, default=None,
                        help='Sequences in the split (default: 30, the standard split).')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')

    from pytracking.analysis.plot_results import print_results, print_results_per_attribute
    from pytracking.evaluation import Tracker
    from pytracking.evaluation.running import run_dataset
    from pytracking.evaluation.syntheticdataset import SyntheticDataset

    dataset = SyntheticDataset(split=args.split, num_sequences=args.num_sequences).get_sequence_list()
    tag = '' if (args.split, args.num_sequences) == ('test', None) else '_{}{}'.format(args.split,
                                                                                     args.num_sequences or '')
    distractor = attribute_subsets(dataset)['distractor']
    trackers = [Tracker('dimp', 'dimp_tiny', display_name='DiMP-tiny'),
                Tracker('keep_track', 'keep_track_tiny', display_name='KeepTrack-tiny')]
    run_on = distractor if args.distractor_only else dataset
    outcome = run_dataset(run_on, trackers, threads=args.threads)
    if outcome['failed']:
        print('Failed: {}'.format(', '.join('{} {}'.format(n, t) for n, t, _ in outcome['failed'])), file=sys.stderr)
        return 1

    print('Sequences with look-alike distractors ({}): {}'.format(len(distractor),
                                                                  ', '.join(s.name for s in distractor)))
    print_results(trackers, distractor, 'keep_track_synthetic_distractor' + tag, plot_types=PLOT_TYPES,
                  force_evaluation=True)
    if args.runs > 1:
        repeated = [Tracker(t.name, t.parameter_name, run_id=i, display_name='{} run {}'.format(t.display_name, i))
                    for t in trackers for i in range(1, args.runs)]
        outcome = run_dataset(distractor, repeated, threads=args.threads)
        if outcome['failed']:
            print('Failed: {}'.format(', '.join('{} {}'.format(n, t) for n, t, _ in outcome['failed'])),
                  file=sys.stderr)
            return 1
        print('\nDistractor sequences, each of {} runs:'.format(args.runs))
        print_results(trackers + repeated, distractor, 'keep_track_synthetic_distractor_runs' + tag,
                      plot_types=PLOT_TYPES, force_evaluation=True)
        print('\nDistractor sequences, mean of {} runs:'.format(args.runs))
        print_results(trackers + repeated, distractor, 'keep_track_synthetic_distractor_runs' + tag, merge_results=True,
                      plot_types=PLOT_TYPES, force_evaluation=True)
    if not args.distractor_only:
        print('\nAll {} {} sequences:'.format(len(dataset), args.split))
        print_results(trackers, dataset, 'keep_track_synthetic' + tag, plot_types=PLOT_TYPES, force_evaluation=True)
        print('\nAUC per challenge factor (sequences in which the factor occurs):')
        print_results_per_attribute(trackers, attribute_subsets(dataset), 'keep_track_synthetic' + tag,
                                    force_evaluation=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
