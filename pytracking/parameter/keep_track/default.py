"""KeepTrack parameters (ICCV 2021): SuperDiMP-simple base tracker with target candidate association,
on a larger search area (30*16 pixel samples covering 8 target sizes)."""
from pytracking.features.net_wrappers import NetWithBackbone, NetWrapper
from pytracking.utils.params import TrackerParams


def parameters() -> TrackerParams:
    """Tracker parameters; networks ``super_dimp_simple.pth.tar`` and ``keep_track.pth.tar`` (loaded lazily)."""
    params = TrackerParams()

    params.debug = 0
    params.visualization = False

    params.use_gpu = True

    params.image_sample_size = 30*16
    params.search_area_scale = 8
    params.border_mode = 'inside_major'
    params.patch_max_scale_change = 1.5

    # Sample memory and learning
    params.sample_memory_size = 50
    params.learning_rate = 0.01
    params.init_samples_minimum_weight = 0.25
    params.train_skipping = 20

    # Steepest-descent iterations of the filter optimiser
    params.update_classifier = True
    params.net_opt_iter = 10
    params.net_opt_update_iter = 2
    params.net_opt_hn_iter = 1

    params.window_output = False

    # First-frame augmentation
    params.use_augmentation = True
    params.augmentation = {'fliplr': True,
                           'rotate': [10, -10, 45, -45],
                           'blur': [(3, 1), (1, 3), (2, 2)],
                           'relativeshift': [(0.6, 0.6), (-0.6, 0.6), (0.6, -0.6), (-0.6, -0.6)],
                           'dropout': (2, 0.2)}

    params.augmentation_expansion_factor = 2
    params.random_shift_factor = 1/3

    # Advanced localisation (used when no candidate association is possible)
    params.advanced_localization = True
    params.target_not_found_threshold = 0.25
    params.distractor_threshold = 0.8
    params.hard_negative_threshold = 0.5
    params.target_neighborhood_scale = 2.2
    params.dispalcement_scale = 0.8
    params.hard_negative_learning_rate = 0.02
    params.update_scale_when_uncertain = True

    # IoU-Net box refinement in the relative (PrDiMP) parametrisation
    params.box_refinement_space = 'relative'
    params.iounet_augmentation = False      # modulation vector from the unaugmented sample only
    params.iounet_k = 3                     # boxes averaged for the final estimate
    params.num_init_random_boxes = 9        # random boxes besides the classifier's box
    params.box_jitter_pos = 0.1             # position jitter of the random boxes (relative)
    params.box_jitter_sz = 0.5              # size jitter of the random boxes (relative)
    params.maximal_aspect_ratio = 6
    params.box_refinement_iter = 10
    params.box_refinement_step_length = 2.5e-3
    params.box_refinement_step_decay = 1    # 1 = constant step

    # KeepTrack: memory samples weighted by the certainty of their label; candidate matching network
    params.use_certainty_for_weight_computation = True
    params.certainty_for_weight_computation_ths = 0.5
    params.target_candidate_matching_net = NetWrapper(net_path='keep_track.pth.tar', use_gpu=params.use_gpu)

    params.vot_anno_conversion_type = 'preserve_area'
    params.net = NetWithBackbone(net_path='super_dimp_simple.pth.tar', use_gpu=params.use_gpu)

    params.visualize_candidate_matching = False
    params.visualize_candidate_assignment_matrix = False

    return params
