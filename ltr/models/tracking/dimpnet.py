"""The DiMP network family (DiMP, PrDiMP, SuperDiMP) and its builders.

The builders keep the original's names, arguments and defaults, because official checkpoints
record them (``constructor`` entry) and rebuild the network by calling them.
"""
import math
from collections import OrderedDict
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

import ltr.models.backbone as backbones
import ltr.models.bbreg as bbmodels
import ltr.models.target_classifier.features as clf_features
import ltr.models.target_classifier.initializer as clf_initializer
import ltr.models.target_classifier.linear_filter as target_clf
import ltr.models.target_classifier.optimizer as clf_optimizer
from ltr.admin.model_constructor import model_constructor


class DiMPnet(nn.Module):
    """The DiMP network: backbone, target classifier and bounding-box (IoU) regressor.

    args:
        feature_extractor - backbone; ``feature_extractor(im, layers)`` returns a dict of feature maps.
        classifier - target classification module (:class:`LinearFilter`).
        bb_regressor - IoU prediction module (:class:`AtomIoUNet`).
        classification_layer - backbone layer name(s) used for classification.
        bb_regressor_layer - backbone layer names used by the bb_regressor.
    """

    def __init__(self, feature_extractor: nn.Module, classifier: nn.Module, bb_regressor: nn.Module,
                 classification_layer: Union[str, List[str]], bb_regressor_layer: List[str]):
        super().__init__()
        self.feature_extractor = feature_extractor
        self.classifier = classifier
        self.bb_regressor = bb_regressor
        self.classification_layer = [classification_layer] if isinstance(classification_layer, str) \
            else classification_layer
        self.bb_regressor_layer = bb_regressor_layer
        self.output_layers = sorted(list(set(self.classification_layer + self.bb_regressor_layer)))

    def forward(self, train_imgs: torch.Tensor, test_imgs: torch.Tensor, train_bb: torch.Tensor,
                test_proposals: torch.Tensor, *args, **kwargs):
        """Run the network as in training (during tracking, call the individual functions instead).

        args:
            train_imgs, test_imgs - (images, sequences, 3, H, W).
            train_bb - target boxes (x, y, w, h) in the train images, (images, sequences, 4).
            test_proposals - proposal boxes (x, y, w, h) for the IoU-Net, (images, sequences, num_proposals, 4).
            *args, **kwargs - passed to the classifier (e.g. num_iter).
        returns:
            target_scores - list of test score maps (images, sequences, oH, oW), one per filter iterate.
            iou_pred - predicted IoU of the proposals (images, sequences, num_proposals).
        """
        if train_imgs.dim() != 5 or test_imgs.dim() != 5:
            raise ValueError('DiMPnet.forward expects 5-dimensional images (images, sequences, 3, H, W), '
                             'got {} and {}'.format(tuple(train_imgs.shape), tuple(test_imgs.shape)))

        train_feat = self.extract_backbone_features(train_imgs.reshape(-1, *train_imgs.shape[-3:]))
        test_feat = self.extract_backbone_features(test_imgs.reshape(-1, *test_imgs.shape[-3:]))

        target_scores = self.classifier(self.get_backbone_clf_feat(train_feat), self.get_backbone_clf_feat(test_feat),
                                        train_bb, *args, **kwargs)

        iou_pred = self.bb_regressor(self.get_backbone_bbreg_feat(train_feat), self.get_backbone_bbreg_feat(test_feat),
                                     train_bb, test_proposals)
        return target_scores, iou_pred

    def get_backbone_clf_feat(self, backbone_feat):
        """The classification layer's features (a tensor), or a dict when several layers are used."""
        feat = OrderedDict((l, backbone_feat[l]) for l in self.classification_layer)
        if len(self.classification_layer) == 1:
            return feat[self.classification_layer[0]]
        return feat

    def get_backbone_bbreg_feat(self, backbone_feat) -> List[torch.Tensor]:
        """The bb_regressor layers' features, as a list."""
        return [backbone_feat[l] for l in self.bb_regressor_layer]

    def extract_classification_feat(self, backbone_feat) -> torch.Tensor:
        """Classification features (the classifier's feature block applied to the backbone features)."""
        return self.classifier.extract_classification_feat(self.get_backbone_clf_feat(backbone_feat))

    def extract_backbone_features(self, im: torch.Tensor, layers: Optional[Sequence[str]] = None):
        """Backbone features (dict) of images (N, 3, H, W); default: all layers the network needs."""
        if layers is None:
            layers = self.output_layers
        return self.feature_extractor(im, layers)

    def extract_features(self, im: torch.Tensor, layers: Optional[Sequence[str]] = None):
        """Features of the given layers; the name 'classification' denotes the classification features."""
        if layers is None:
            layers = self.bb_regressor_layer + ['classification']
        if 'classification' not in layers:
            return self.feature_extractor(im, layers)
        backbone_layers = sorted(list(set([l for l in list(layers) + self.classification_layer
                                           if l != 'classification'])))
        all_feat = self.feature_extractor(im, backbone_layers)
        all_feat['classification'] = self.extract_classification_feat(all_feat)
        return OrderedDict((l, all_feat[l]) for l in layers)


def _norm_scale(out_feature_dim: int, filter_size: int) -> float:
    """Scale of the L2-normalised classification features: unit total energy under the filter."""
    return math.sqrt(1.0 / (out_feature_dim * filter_size * filter_size))


def _dimp_optimizer(optim_iter, feat_stride, optim_init_step, optim_init_reg, init_gauss_sigma, num_dist_bins,
                    bin_displacement, mask_init_factor, score_act, act_param, target_mask_act, detach_length):
    return clf_optimizer.DiMPSteepestDescentGN(num_iter=optim_iter, feat_stride=feat_stride,
                                               init_step_length=optim_init_step, init_filter_reg=optim_init_reg,
                                               init_gauss_sigma=init_gauss_sigma, num_dist_bins=num_dist_bins,
                                               bin_displacement=bin_displacement, mask_init_factor=mask_init_factor,
                                               score_act=score_act, act_param=act_param, mask_act=target_mask_act,
                                               detach_length=detach_length)


def _prdimp_optimizer(optim_iter, feat_stride, optim_init_step, optim_init_reg, gauss_sigma, detach_length, alpha_eps,
                      init_uni_weight, optim_min_reg, normalize_label, label_shrink, softmax_reg, label_threshold):
    return clf_optimizer.PrDiMPSteepestDescentNewton(num_iter=optim_iter, feat_stride=feat_stride,
                                                     init_step_length=optim_init_step, init_filter_reg=optim_init_reg,
                                                     gauss_sigma=gauss_sigma, detach_length=detach_length,
                                                     alpha_eps=alpha_eps, init_uni_weight=init_uni_weight,
                                                     min_filter_reg=optim_min_reg, normalize_label=normalize_label,
                                                     label_shrink=label_shrink, softmax_reg=softmax_reg,
                                                     label_threshold=label_threshold)


def _assemble(backbone_net, clf_feature_extractor, initializer, optimizer, filter_size, bb_regressor,
              classification_layer) -> DiMPnet:
    classifier = target_clf.LinearFilter(filter_size=filter_size, filter_initializer=initializer,
                                         filter_optimizer=optimizer, feature_extractor=clf_feature_extractor)
    return DiMPnet(feature_extractor=backbone_net, classifier=classifier, bb_regressor=bb_regressor,
                   classification_layer=classification_layer, bb_regressor_layer=['layer2', 'layer3'])


def _resnet50_clf_feature_dim(classification_layer: str) -> int:
    """Bottleneck width of the ResNet-50 layer used for classification."""
    dims = {'layer3': 256, 'layer4': 512}
    if classification_layer not in dims:
        raise ValueError("classification_layer must be 'layer3' or 'layer4' for ResNet-50, got {!r}".format(
            classification_layer))
    return dims[classification_layer]


@model_constructor
def dimpnet18(filter_size=1, optim_iter=5, optim_init_step=1.0, optim_init_reg=0.01,
              classification_layer='layer3', feat_stride=16, backbone_pretrained=True, clf_feat_blocks=1,
              clf_feat_norm=True, init_filter_norm=False, final_conv=True,
              out_feature_dim=256, init_gauss_sigma=1.0, num_dist_bins=5, bin_displacement=1.0,
              mask_init_factor=4.0, iou_input_dim=(256, 256), iou_inter_dim=(256, 256),
              score_act='relu', act_param=None, target_mask_act='sigmoid',
              detach_length=float('Inf'), frozen_backbone_layers=()):
    """DiMP with a ResNet-18 backbone (DiMP-18). See the DiMP paper for the components."""
    backbone_net = backbones.resnet18(pretrained=backbone_pretrained, frozen_layers=frozen_backbone_layers)
    clf_feature_extractor = clf_features.residual_basic_block(
        num_blocks=clf_feat_blocks, l2norm=clf_feat_norm, final_conv=final_conv,
        norm_scale=_norm_scale(out_feature_dim, filter_size), out_dim=out_feature_dim)
    initializer = clf_initializer.FilterInitializerLinear(filter_size=filter_size, filter_norm=init_filter_norm,
                                                          feature_dim=out_feature_dim)
    optimizer = _dimp_optimizer(optim_iter, feat_stride, optim_init_step, optim_init_reg, init_gauss_sigma,
                                num_dist_bins, bin_displacement, mask_init_factor, score_act, act_param,
                                target_mask_act, detach_length)
    bb_regressor = bbmodels.AtomIoUNet(pred_input_dim=iou_input_dim, pred_inter_dim=iou_inter_dim)
    return _assemble(backbone_net, clf_feature_extractor, initializer, optimizer, filter_size, bb_regressor,
                     classification_layer)


@model_constructor
def dimpnet50(filter_size=1, optim_iter=5, optim_init_step=1.0, optim_init_reg=0.01,
              classification_layer='layer3', feat_stride=16, backbone_pretrained=True, clf_feat_blocks=0,
              clf_feat_norm=True, init_filter_norm=False, final_conv=True,
              out_feature_dim=512, init_gauss_sigma=1.0, num_dist_bins=5, bin_displacement=1.0,
              mask_init_factor=4.0, iou_input_dim=(256, 256), iou_inter_dim=(256, 256),
              score_act='relu', act_param=None, target_mask_act='sigmoid',
              detach_length=float('Inf'), frozen_backbone_layers=()):
    """DiMP with a ResNet-50 backbone (DiMP-50, SuperDiMP)."""
    backbone_net = backbones.resnet50(pretrained=backbone_pretrained, frozen_layers=frozen_backbone_layers)
    clf_feature_extractor = clf_features.residual_bottleneck(
        feature_dim=_resnet50_clf_feature_dim(classification_layer), num_blocks=clf_feat_blocks,
        l2norm=clf_feat_norm, final_conv=final_conv, norm_scale=_norm_scale(out_feature_dim, filter_size),
        out_dim=out_feature_dim)
    initializer = clf_initializer.FilterInitializerLinear(filter_size=filter_size, filter_norm=init_filter_norm,
                                                          feature_dim=out_feature_dim)
    optimizer = _dimp_optimizer(optim_iter, feat_stride, optim_init_step, optim_init_reg, init_gauss_sigma,
                                num_dist_bins, bin_displacement, mask_init_factor, score_act, act_param,
                                target_mask_act, detach_length)
    bb_regressor = bbmodels.AtomIoUNet(input_dim=(4 * 128, 4 * 256), pred_input_dim=iou_input_dim,
                                       pred_inter_dim=iou_inter_dim)
    return _assemble(backbone_net, clf_feature_extractor, initializer, optimizer, filter_size, bb_regressor,
                     classification_layer)


@model_constructor
def L2dimpnet18(filter_size=1, optim_iter=5, optim_init_step=1.0, optim_init_reg=0.01,
                classification_layer='layer3', feat_stride=16, backbone_pretrained=True, clf_feat_blocks=1,
                clf_feat_norm=True, init_filter_norm=False, final_conv=True,
                out_feature_dim=256, iou_input_dim=(256, 256), iou_inter_dim=(256, 256),
                detach_length=float('Inf'), hinge_threshold=-999, gauss_sigma=1.0, alpha_eps=0):
    """DiMP-18 with a fixed Gaussian label and L2 (hinge) loss in the filter optimizer."""
    backbone_net = backbones.resnet18(pretrained=backbone_pretrained)
    clf_feature_extractor = clf_features.residual_basic_block(
        num_blocks=clf_feat_blocks, l2norm=clf_feat_norm, final_conv=final_conv,
        norm_scale=_norm_scale(out_feature_dim, filter_size), out_dim=out_feature_dim)
    initializer = clf_initializer.FilterInitializerLinear(filter_size=filter_size, filter_norm=init_filter_norm,
                                                          feature_dim=out_feature_dim)
    optimizer = clf_optimizer.DiMPL2SteepestDescentGN(num_iter=optim_iter, feat_stride=feat_stride,
                                                      init_step_length=optim_init_step,
                                                      hinge_threshold=hinge_threshold,
                                                      init_filter_reg=optim_init_reg, gauss_sigma=gauss_sigma,
                                                      detach_length=detach_length, alpha_eps=alpha_eps)
    bb_regressor = bbmodels.AtomIoUNet(pred_input_dim=iou_input_dim, pred_inter_dim=iou_inter_dim)
    return _assemble(backbone_net, clf_feature_extractor, initializer, optimizer, filter_size, bb_regressor,
                     classification_layer)


@model_constructor
def klcedimpnet18(filter_size=1, optim_iter=5, optim_init_step=1.0, optim_init_reg=0.01,
                  classification_layer='layer3', feat_stride=16, backbone_pretrained=True, clf_feat_blocks=1,
                  clf_feat_norm=True, init_filter_norm=False, final_conv=True,
                  out_feature_dim=256, gauss_sigma=1.0,
                  iou_input_dim=(256, 256), iou_inter_dim=(256, 256),
                  detach_length=float('Inf'), alpha_eps=0.0, train_feature_extractor=True,
                  init_uni_weight=None, optim_min_reg=1e-3, init_initializer='default', normalize_label=False,
                  label_shrink=0, softmax_reg=None, label_threshold=0, final_relu=False, init_pool_square=False,
                  frozen_backbone_layers=()):
    """PrDiMP-18: DiMP-18 with the KL-divergence (probabilistic) classifier optimizer."""
    if not train_feature_extractor:
        frozen_backbone_layers = 'all'
    backbone_net = backbones.resnet18(pretrained=backbone_pretrained, frozen_layers=frozen_backbone_layers)
    clf_feature_extractor = clf_features.residual_basic_block(
        num_blocks=clf_feat_blocks, l2norm=clf_feat_norm, final_conv=final_conv,
        norm_scale=_norm_scale(out_feature_dim, filter_size), out_dim=out_feature_dim, final_relu=final_relu)
    initializer = clf_initializer.FilterInitializerLinear(filter_size=filter_size, filter_norm=init_filter_norm,
                                                          feature_dim=out_feature_dim, init_weights=init_initializer,
                                                          pool_square=init_pool_square)
    optimizer = _prdimp_optimizer(optim_iter, feat_stride, optim_init_step, optim_init_reg, gauss_sigma,
                                  detach_length, alpha_eps, init_uni_weight, optim_min_reg, normalize_label,
                                  label_shrink, softmax_reg, label_threshold)
    bb_regressor = bbmodels.AtomIoUNet(pred_input_dim=iou_input_dim, pred_inter_dim=iou_inter_dim)
    return _assemble(backbone_net, clf_feature_extractor, initializer, optimizer, filter_size, bb_regressor,
                     classification_layer)


@model_constructor
def klcedimpnet50(filter_size=1, optim_iter=5, optim_init_step=1.0, optim_init_reg=0.01,
                  classification_layer='layer3', feat_stride=16, backbone_pretrained=True, clf_feat_blocks=0,
                  clf_feat_norm=True, init_filter_norm=False, final_conv=True,
                  out_feature_dim=512, gauss_sigma=1.0,
                  iou_input_dim=(256, 256), iou_inter_dim=(256, 256),
                  detach_length=float('Inf'), alpha_eps=0.0, train_feature_extractor=True,
                  init_uni_weight=None, optim_min_reg=1e-3, init_initializer='default', normalize_label=False,
                  label_shrink=0, softmax_reg=None, label_threshold=0, final_relu=False, frozen_backbone_layers=()):
    """PrDiMP-50: DiMP-50 with the KL-divergence (probabilistic) classifier optimizer."""
    if not train_feature_extractor:
        frozen_backbone_layers = 'all'
    backbone_net = backbones.resnet50(pretrained=backbone_pretrained, frozen_layers=frozen_backbone_layers)
    # As in the original, the feature block width does not follow classification_layer here.
    clf_feature_extractor = clf_features.residual_bottleneck(
        num_blocks=clf_feat_blocks, l2norm=clf_feat_norm, final_conv=final_conv,
        norm_scale=_norm_scale(out_feature_dim, filter_size), out_dim=out_feature_dim, final_relu=final_relu)
    initializer = clf_initializer.FilterInitializerLinear(filter_size=filter_size, filter_norm=init_filter_norm,
                                                          feature_dim=out_feature_dim, init_weights=init_initializer)
    optimizer = _prdimp_optimizer(optim_iter, feat_stride, optim_init_step, optim_init_reg, gauss_sigma,
                                  detach_length, alpha_eps, init_uni_weight, optim_min_reg, normalize_label,
                                  label_shrink, softmax_reg, label_threshold)
    bb_regressor = bbmodels.AtomIoUNet(input_dim=(4 * 128, 4 * 256), pred_input_dim=iou_input_dim,
                                       pred_inter_dim=iou_inter_dim)
    return _assemble(backbone_net, clf_feature_extractor, initializer, optimizer, filter_size, bb_regressor,
                     classification_layer)


@model_constructor
def dimpnet_tiny(filter_size=4, optim_iter=5, optim_init_step=0.9, optim_init_reg=0.1,
                 classification_layer='layer3', feat_stride=16, backbone_pretrained=False, backbone_inplanes=16,
                 clf_feat_blocks=1,
                 clf_feat_norm=True, init_filter_norm=False, final_conv=True,
                 out_feature_dim=64, init_gauss_sigma=1.0, num_dist_bins=100, bin_displacement=0.1,
                 mask_init_factor=3.0, iou_input_dim=(64, 64), iou_inter_dim=(64, 64),
                 score_act='relu', act_param=None, target_mask_act='sigmoid',
                 detach_length=float('Inf')):
    """A small DiMP for CPU training from scratch (the project's shipped model for the synthetic benchmark).

    The backbone is ``resnet_baby`` (a ResNet-18 layout ``backbone_inplanes`` channels wide after conv1, so layer2
    has 2x and layer3 4x that many channels), with no pretrained weights. The classifier and the IoU-Net are the
    DiMP-18 ones at reduced widths: ``out_feature_dim`` classification channels, ``iou_input_dim`` /
    ``iou_inter_dim`` IoU-Net widths. The IoU-Net is kept so that the tracker can refine the box scale and aspect.
    ``backbone_pretrained`` exists because network loaders pass it (as False); no pretrained weights exist.
    """
    if backbone_pretrained:
        raise ValueError('dimpnet_tiny: no pretrained weights exist for its resnet_baby backbone '
                         '(backbone_pretrained must be False)')
    backbone_net = backbones.resnet_baby(pretrained=False, inplanes=backbone_inplanes)
    layer_dims = {'layer2': 2 * backbone_inplanes, 'layer3': 4 * backbone_inplanes, 'layer4': 8 * backbone_inplanes}
    if classification_layer not in layer_dims:
        raise ValueError("classification_layer must be one of {}, got {!r}".format(sorted(layer_dims),
                                                                                 classification_layer))
    clf_feature_extractor = clf_features.residual_basic_block(
        feature_dim=layer_dims[classification_layer], num_blocks=clf_feat_blocks, l2norm=clf_feat_norm,
        final_conv=final_conv, norm_scale=_norm_scale(out_feature_dim, filter_size), out_dim=out_feature_dim)
    initializer = clf_initializer.FilterInitializerLinear(filter_size=filter_size, filter_norm=init_filter_norm,
                                                          feature_dim=out_feature_dim)
    optimizer = _dimp_optimizer(optim_iter, feat_stride, optim_init_step, optim_init_reg, init_gauss_sigma,
                                num_dist_bins, bin_displacement, mask_init_factor, score_act, act_param,
                                target_mask_act, detach_length)
    bb_regressor = bbmodels.AtomIoUNet(input_dim=(layer_dims['layer2'], layer_dims['layer3']),
                                       pred_input_dim=iou_input_dim, pred_inter_dim=iou_inter_dim)
    return _assemble(backbone_net, clf_feature_extractor, initializer, optimizer, filter_size, bb_regressor,
                     classification_layer)


@model_constructor
def dimpnet50_simple(filter_size=1, optim_iter=5, optim_init_reg=0.01,
                     classification_layer='layer3', feat_stride=16, backbone_pretrained=True, clf_feat_blocks=0,
                     clf_feat_norm=True, init_filter_norm=False, final_conv=True,
                     out_feature_dim=512, hinge_threshold=0.05, iou_input_dim=(256, 256), iou_inter_dim=(256, 256),
                     activation_leak=0.0, score_act='relu', act_param=None,
                     detach_length=float('Inf'), frozen_backbone_layers=()):
    """SuperDiMP-simple, KeepTrack's base network: DiMP-50 whose filter is learned by generic steepest
    descent on a hinge-masked L2 loss against given label maps
    (:class:`ltr.models.target_classifier.residual_modules.LinearFilterHinge`) instead of learned labels."""
    # Imported here so that this addition leaves the module header untouched.
    from ltr.models.meta import steepestdescent
    from ltr.models.target_classifier import residual_modules

    backbone_net = backbones.resnet50(pretrained=backbone_pretrained, frozen_layers=frozen_backbone_layers)
    clf_feature_extractor = clf_features.residual_bottleneck(
        feature_dim=_resnet50_clf_feature_dim(classification_layer), num_blocks=clf_feat_blocks,
        l2norm=clf_feat_norm, final_conv=final_conv, norm_scale=_norm_scale(out_feature_dim, filter_size),
        out_dim=out_feature_dim)
    initializer = clf_initializer.FilterInitializerLinear(filter_size=filter_size, filter_norm=init_filter_norm,
                                                          feature_dim=out_feature_dim)
    residual_module = residual_modules.LinearFilterHinge(feat_stride=feat_stride, init_filter_reg=optim_init_reg,
                                                         hinge_threshold=hinge_threshold,
                                                         activation_leak=activation_leak, score_act=score_act,
                                                         act_param=act_param)
    # The residual batch dimension is the sequence dimension of the (images, sequences, H, W) residuals.
    optimizer = steepestdescent.GNSteepestDescent(residual_module=residual_module, num_iter=optim_iter,
                                                  detach_length=detach_length, residual_batch_dim=1,
                                                  compute_losses=True)
    bb_regressor = bbmodels.AtomIoUNet(input_dim=(4 * 128, 4 * 256), pred_input_dim=iou_input_dim,
                                       pred_inter_dim=iou_inter_dim)
    return _assemble(backbone_net, clf_feature_extractor, initializer, optimizer, filter_size, bb_regressor,
                     classification_layer)
