"""ATOM parameters for VOT."""
import torch

from pytracking.features import deep
from pytracking.features.extractor import MultiResolutionExtractor
from pytracking.utils.params import FeatureParams, TrackerParams


def parameters() -> TrackerParams:
    """ATOM tracker parameters; the network is loaded lazily from ``atom_default.pth`` under the network_path setting."""
    params = TrackerParams()

    params.debug = 0                        # debug level
    params.visualization = False            # show the tracking live

    params.use_gpu = True

    # Parameters of the (single) deep feature
    deep_params = TrackerParams()

    # Patch sampling
    params.max_image_sample_size = (14 * 16) ** 2   # largest sample area (pixels)
    params.min_image_sample_size = (14 * 16) ** 2   # smallest sample area (pixels)
    params.search_area_scale = 4                # search area relative to the target size
    params.feature_size_odd = False             # even feature size suits the even 4x4 kernel

    # Optimisation
    params.CG_iter = 5                  # conjugate gradient iterations per update
    params.init_CG_iter = 60            # total CG iterations in the first frame
    params.init_GN_iter = 6             # Gauss-Newton iterations in the first frame (projection matrix update)
    params.post_init_CG_iter = 0        # CG iterations after the Gauss-Newton ones
    params.fletcher_reeves = False      # Fletcher-Reeves (True) or Polak-Ribiere (False) CG formula
    params.standard_alpha = True        # standard CG step length formula
    params.CG_forgetting_rate = None    # forgetting rate of the previous search direction

    # Learning
    deep_params.learning_rate = 0.0075              # learning rate of new samples
    deep_params.output_sigma_factor = 1/4           # label standard deviation relative to the target size

    # Memory
    params.sample_memory_size = 250     # samples kept
    params.train_skipping = 10          # optimise every n-th frame

    # Online classifier model
    deep_params.kernel_size = (4, 4)    # filter size
    deep_params.compressed_dim = 64     # channels after the projection
    deep_params.filter_reg = 1e-1       # filter regularisation
    deep_params.projection_reg = 1e-4   # projection matrix regularisation

    # Windowing
    params.feature_window = False       # window the features
    params.window_output = True        # window the scores

    # Detection
    params.scale_factors = torch.ones(1)  # localisation scales
    params.score_upsample_factor = 1     # Fourier upsampling of the scores

    # First-frame augmentation
    params.augmentation = {'fliplr': True,
                           'rotate': [5, -5, 10, -10, 20, -20, 30, -30, 45, -45, -60, 60],
                           'blur': [(2, 0.2), (0.2, 2), (3, 1), (1, 3), (2, 2)],
                           'relativeshift': [(0.6, 0.6), (-0.6, 0.6), (0.6, -0.6), (-0.6, -0.6)],
                           'dropout': (7, 0.2)}

    params.augmentation_expansion_factor = 2    # crop enlargement for the augmentations
    params.random_shift_factor = 1/3            # random shift of each augmented sample
    deep_params.use_augmentation = True         # use the augmented samples for this feature

    # Factorized convolution
    params.update_projection_matrix = True      # optimise the projection matrix in the first frame
    params.proj_init_method = 'randn'           # projection matrix initialisation
    params.filter_init_method = 'randn'         # filter initialisation
    params.projection_activation = 'none'       # activation after the projection
    params.response_activation = ('mlu', 0.05)  # activation on the scores

    # Advanced localisation
    params.advanced_localization = True         # detect distractors and target loss
    params.target_not_found_threshold = -1      # absolute score below which the target counts as lost
    params.distractor_threshold = 100           # relative score of a distractor peak
    params.hard_negative_threshold = 0.3        # relative score of a hard negative peak
    params.target_neighborhood_scale = 2.2      # suppressed neighbourhood of the target peak
    params.dispalcement_scale = 0.7             # displacement scale for distractors
    params.hard_negative_learning_rate = 0.02   # learning rate of hard negative samples
    params.hard_negative_CG_iter = 5            # CG iterations after a hard negative
    params.update_scale_when_uncertain = True   # update the scale when a distractor is close

    # IoU-Net
    params.iounet_augmentation = False      # modulation vector from the unaugmented sample only
    params.iounet_k = 3                     # boxes averaged for the final estimate
    params.num_init_random_boxes = 9        # random boxes besides the classifier's box
    params.box_jitter_pos = 0.1             # position jitter of the random boxes
    params.box_jitter_sz = 0.5              # size jitter of the random boxes
    params.maximal_aspect_ratio = 6         # aspect ratio limit
    params.box_refinement_iter = 5          # refinement iterations
    params.box_refinement_step_length = 1   # gradient step length
    params.box_refinement_step_decay = 1    # step decay (1 = constant)

    # Feature extractor (holds the IoU-Net too)
    deep_fparams = FeatureParams(feature_params=[deep_params])
    deep_feat = deep.ATOMResNet18(net_path='atom_default.pth', output_layers=['layer3'], fparams=deep_fparams,
                                  normalize_power=2)
    params.features = MultiResolutionExtractor([deep_feat])

    params.vot_anno_conversion_type = 'preserve_area'
    return params
