"""The DiMP-family and ATOM parameter files carry the original's names and values.

The expected values below are the original PyTracking parameter files' values, written out here by hand
(a table independent of the parameter modules), for the settings that distinguish the parameter sets.
"""
import importlib
import math

import pytest
import torch

DIMP_COMMON = dict(sample_memory_size=50, learning_rate=0.01, init_samples_minimum_weight=0.25, train_skipping=20,
                   update_classifier=True, net_opt_iter=10, net_opt_update_iter=2, net_opt_hn_iter=1,
                   window_output=False, use_augmentation=True, augmentation_expansion_factor=2,
                   random_shift_factor=1 / 3, advanced_localization=True, distractor_threshold=0.8,
                   hard_negative_threshold=0.5, target_neighborhood_scale=2.2, dispalcement_scale=0.8,
                   hard_negative_learning_rate=0.02, update_scale_when_uncertain=True, iounet_augmentation=False,
                   iounet_k=3, num_init_random_boxes=9, box_jitter_pos=0.1, box_jitter_sz=0.5,
                   maximal_aspect_ratio=6, box_refinement_step_decay=1, vot_anno_conversion_type='preserve_area')
DIMP_AUG = {'fliplr': True, 'rotate': [10, -10, 45, -45], 'blur': [(3, 1), (1, 3), (2, 2)],
            'relativeshift': [(0.6, 0.6), (-0.6, 0.6), (0.6, -0.6), (-0.6, -0.6)], 'dropout': (2, 0.2)}
VOT_AUG = {'fliplr': True, 'rotate': [5, -5, 10, -10, 20, -20, 30, -30, 45, -45, -60, 60],
           'blur': [(2, 0.2), (0.2, 2), (3, 1), (1, 3), (2, 2)],
           'relativeshift': [(0.6, 0.6), (-0.6, 0.6), (0.6, -0.6), (-0.6, -0.6)], 'dropout': (7, 0.2)}
DIMP_VOT18 = dict(image_sample_size=14 * 16, search_area_scale=4, sample_memory_size=250,
                  learning_rate=0.0075, init_samples_minimum_weight=0.0, train_skipping=10, net_opt_iter=25,
                  net_opt_update_iter=3, net_opt_hn_iter=3, window_output=True, augmentation=VOT_AUG,
                  target_not_found_threshold=0.0, distractor_threshold=100, hard_negative_threshold=0.45,
                  dispalcement_scale=0.7, perform_hn_without_windowing=True, box_refinement_iter=5,
                  box_refinement_step_length=1)
PRDIMP = dict(score_preprocess='softmax', target_not_found_threshold=0.04, box_refinement_space='relative',
              box_refinement_iter=10, box_refinement_step_length=2.5e-3, augmentation=DIMP_AUG)

DIMP_EXPECTED = {
    'dimp18': ('dimp18.pth', dict(DIMP_COMMON, image_sample_size=18 * 16, search_area_scale=5,
                                  target_not_found_threshold=0.25, box_refinement_iter=5, box_refinement_step_length=1,
                                  augmentation=DIMP_AUG)),
    'dimp50': ('dimp50.pth', dict(DIMP_COMMON, image_sample_size=18 * 16, search_area_scale=5,
                                  target_not_found_threshold=0.25, box_refinement_iter=5, box_refinement_step_length=1,
                                  augmentation=DIMP_AUG)),
    'dimp18_vot18': ('dimp18.pth', dict(DIMP_COMMON, feature_size_odd=False, **DIMP_VOT18)),
    'dimp50_vot18': ('dimp50.pth', dict(DIMP_COMMON, **DIMP_VOT18)),
    'dimp50_vot19': ('dimp50.pth', dict(
        DIMP_COMMON, image_sample_size=16 * 16, search_area_scale=4.5, sample_memory_size=100, learning_rate=0.0075,
        init_samples_minimum_weight=0.0, train_skipping=10, net_opt_iter=15, net_opt_update_iter=2, net_opt_hn_iter=2,
        window_output=True, augmentation_expansion_factor=1.4, target_not_found_threshold=0.0,
        distractor_threshold=100, hard_negative_threshold=0.45, dispalcement_scale=0.7,
        perform_hn_without_windowing=True, box_refinement_iter=3, box_refinement_step_length=1,
        augmentation={'fliplr': True, 'rotate': [-5, 10, -30, 60], 'blur': [(2, 0.2), (1, 3)],
                      'relativeshift': [(0.6, 0.6), (-0.6, -0.6)], 'dropout': (3, 0.2)})),
    'prdimp18': ('prdimp18.pth.tar', dict(DIMP_COMMON, image_sample_size=18 * 16, search_area_scale=5, **PRDIMP)),
    'prdimp50': ('prdimp50.pth.tar', dict(DIMP_COMMON, image_sample_size=22 * 16, search_area_scale=6,
                                          border_mode='inside_major', patch_max_scale_change=1.5, **PRDIMP)),
    'prdimp50_vot18': ('prdimp50.pth.tar', dict(
        DIMP_COMMON, image_sample_size=14 * 16, search_area_scale=4, feature_size_odd=False, sample_memory_size=250,
        learning_rate=0.01, init_samples_minimum_weight=0.0, train_skipping=1, net_opt_iter=25, net_opt_update_iter=1,
        net_opt_hn_iter=1, window_output=True, augmentation=VOT_AUG, target_not_found_threshold=0.0,
        distractor_threshold=99999, hard_negative_threshold=999999, dispalcement_scale=0.7,
        perform_hn_without_windowing=True, box_refinement_space='relative', box_refinement_iter=10,
        box_refinement_step_length=2.5e-3)),
    'super_dimp': ('super_dimp.pth.tar', dict(
        DIMP_COMMON, image_sample_size=22 * 16, search_area_scale=6, border_mode='inside_major',
        patch_max_scale_change=1.5, target_not_found_threshold=0.25, box_refinement_space='relative',
        box_refinement_iter=10, box_refinement_step_length=2.5e-3, augmentation=DIMP_AUG)),
}

ATOM_COMMON = dict(max_image_sample_size=(18 * 16) ** 2, min_image_sample_size=(18 * 16) ** 2, search_area_scale=5,
                   feature_size_odd=False, CG_iter=5, init_CG_iter=60, init_GN_iter=6, post_init_CG_iter=0,
                   fletcher_reeves=False, standard_alpha=True, CG_forgetting_rate=None, sample_memory_size=250,
                   train_skipping=10, feature_window=False, window_output=False, score_upsample_factor=1,
                   augmentation=VOT_AUG, augmentation_expansion_factor=2, random_shift_factor=1 / 3,
                   update_projection_matrix=True, proj_init_method='randn', filter_init_method='randn',
                   projection_activation='none', response_activation=('mlu', 0.05), advanced_localization=True,
                   target_not_found_threshold=0.25, distractor_threshold=0.8, hard_negative_threshold=0.5,
                   target_neighborhood_scale=2.2, dispalcement_scale=0.8, hard_negative_learning_rate=0.02,
                   hard_negative_CG_iter=5, update_scale_when_uncertain=True, iounet_augmentation=False, iounet_k=3,
                   num_init_random_boxes=9, box_jitter_pos=0.1, box_jitter_sz=0.5, maximal_aspect_ratio=6,
                   box_refinement_iter=5, box_refinement_step_length=1, box_refinement_step_decay=1)
ATOM_FEATURE = dict(learning_rate=0.01, init_samples_minimum_weight=0.25, output_sigma_factor=1 / 4, kernel_size=(4, 4),
                    compressed_dim=64, filter_reg=1e-1, projection_reg=1e-4, use_augmentation=True)

ATOM_EXPECTED = {
    'default': ('atom_default.pth', dict(ATOM_COMMON, use_iou_net=True), ATOM_FEATURE, [1.0]),
    'default_vot': ('atom_default.pth', dict(
        ATOM_COMMON, max_image_sample_size=(14 * 16) ** 2, min_image_sample_size=(14 * 16) ** 2, search_area_scale=4,
        window_output=True, target_not_found_threshold=-1, distractor_threshold=100, hard_negative_threshold=0.3,
        dispalcement_scale=0.7, vot_anno_conversion_type='preserve_area'),
        dict(ATOM_FEATURE, learning_rate=0.0075, init_samples_minimum_weight=None), [1.0]),
    'multiscale_no_iounet': ('atom_default.pth', dict(ATOM_COMMON, use_iou_net=False), ATOM_FEATURE,
                             [1.02 ** k for k in range(-2, 3)]),
    'atom_prob_ml': ('atom_prob_ml', dict(ATOM_COMMON, use_iou_net=True, box_refinement_space='relative',
                                          box_refinement_iter=10, box_refinement_step_length=(2e-4, 10e-4)),
                     ATOM_FEATURE, [1.0]),
    'atom_gmm_sampl': ('atom_gmm_sampl', dict(ATOM_COMMON, use_iou_net=True, box_refinement_space='relative',
                                              box_refinement_iter=10, box_refinement_step_length=(1e-2, 5e-2)),
                       ATOM_FEATURE, [1.0]),
}


def _check(params, expected, where):
    for key, value in expected.items():
        assert params.has(key), '{}: {} missing'.format(where, key)
        got = getattr(params, key)
        if isinstance(value, float) and not isinstance(got, (list, tuple, dict)):
            assert got == pytest.approx(value), '{}: {}'.format(where, key)
        else:
            assert got == value, '{}: {} = {!r}, expected {!r}'.format(where, key, got, value)


@pytest.mark.parametrize('name', sorted(DIMP_EXPECTED))
def test_dimp_parameter_files_have_the_original_values(name):
    params = importlib.import_module('pytracking.parameter.dimp.' + name).parameters()
    net_file, expected = DIMP_EXPECTED[name]
    _check(params, expected, name)
    assert params.net.net_path == net_file
    assert params.use_gpu is True and params.debug == 0 and params.visualization is False


@pytest.mark.parametrize('name', sorted(ATOM_EXPECTED))
def test_atom_parameter_files_have_the_original_values(name):
    params = importlib.import_module('pytracking.parameter.atom.' + name).parameters()
    net_file, expected, feature, scales = ATOM_EXPECTED[name]
    if feature.get('init_samples_minimum_weight', 0) is None:
        feature = {k: v for k, v in feature.items() if k != 'init_samples_minimum_weight'}
    _check(params, expected, name)
    torch.testing.assert_close(torch.as_tensor(params.scale_factors, dtype=torch.float32),
                               torch.tensor(scales, dtype=torch.float32))
    deep_feat = params.features.features[0]
    assert deep_feat.net_path == net_file and deep_feat.output_layers == ['layer3']
    fparams = deep_feat.fparams.feature_params[0]
    _check(fparams, feature, name + ' (deep features)')
    assert math.isclose(deep_feat.normalize_power, 2)


def test_vot18_aliases_are_the_vot_parameter_files():
    for net in ('dimp18', 'dimp50'):
        a = importlib.import_module('pytracking.parameter.dimp.{}_vot18'.format(net)).parameters()
        b = importlib.import_module('pytracking.parameter.dimp.{}_vot'.format(net)).parameters()
        keys = set(a.__dict__) - {'net'}
        assert keys == set(b.__dict__) - {'net'}
        assert all(getattr(a, k) == getattr(b, k) for k in keys)
