"""The ATOM network (backbone + IoU-Net) and its builders."""
from typing import Sequence

import torch
import torch.nn as nn

import ltr.models.backbone as backbones
from ltr.admin.model_constructor import model_constructor
from ltr.models.bbreg.atom_iou_net import AtomIoUNet


class ATOMnet(nn.Module):
    """ATOM network: a backbone feature extractor and an IoU prediction module.

    args:
        feature_extractor - backbone; ``feature_extractor(im, layers)`` returns a dict of feature maps.
        bb_regressor - IoU prediction module (:class:`AtomIoUNet`).
        bb_regressor_layer - names of the backbone layers fed to the bb_regressor.
        extractor_grad - whether the backbone parameters require gradients.
    """

    def __init__(self, feature_extractor: nn.Module, bb_regressor: nn.Module, bb_regressor_layer: Sequence[str],
                 extractor_grad: bool = True):
        super().__init__()
        self.feature_extractor = feature_extractor
        self.bb_regressor = bb_regressor
        self.bb_regressor_layer = bb_regressor_layer
        if not extractor_grad:
            for p in self.feature_extractor.parameters():
                p.requires_grad_(False)

    def forward(self, train_imgs: torch.Tensor, test_imgs: torch.Tensor, train_bb: torch.Tensor,
                test_proposals: torch.Tensor) -> torch.Tensor:
        """IoU prediction as used in training.

        args:
            train_imgs, test_imgs - (images, sequences, 3, H, W) (or 4 dims for one image per sequence).
            train_bb - reference boxes (x, y, w, h), (images, sequences, 4).
            test_proposals - proposals (x, y, w, h), (images, sequences, num_proposals, 4).
        returns the predicted IoU (images, sequences, num_proposals).
        """
        num_sequences = train_imgs.shape[-4]
        num_train_images = train_imgs.shape[0] if train_imgs.dim() == 5 else 1
        num_test_images = test_imgs.shape[0] if test_imgs.dim() == 5 else 1

        train_feat = self.extract_backbone_features(train_imgs.reshape(-1, *train_imgs.shape[-3:]))
        test_feat = self.extract_backbone_features(test_imgs.reshape(-1, *test_imgs.shape[-3:]))

        train_feat_iou = [train_feat[l] for l in self.bb_regressor_layer]
        test_feat_iou = [test_feat[l] for l in self.bb_regressor_layer]

        return self.bb_regressor(train_feat_iou, test_feat_iou,
                                 train_bb.reshape(num_train_images, num_sequences, 4),
                                 test_proposals.reshape(num_test_images, num_sequences, -1, 4))

    def extract_backbone_features(self, im: torch.Tensor, layers=None):
        """Backbone features (dict) of images (N, 3, H, W); default layers: the bb_regressor layers."""
        if layers is None:
            layers = self.bb_regressor_layer
        return self.feature_extractor(im, layers)

    def extract_features(self, im: torch.Tensor, layers):
        """Backbone features (dict) of the given layers."""
        return self.feature_extractor(im, layers)


@model_constructor
def atom_resnet18(iou_input_dim=(256, 256), iou_inter_dim=(256, 256), backbone_pretrained=True):
    """ATOM with a ResNet-18 backbone (layers 2 and 3 feed the IoU-Net); the backbone is frozen."""
    backbone_net = backbones.resnet18(pretrained=backbone_pretrained)
    iou_predictor = AtomIoUNet(pred_input_dim=iou_input_dim, pred_inter_dim=iou_inter_dim)
    return ATOMnet(feature_extractor=backbone_net, bb_regressor=iou_predictor, bb_regressor_layer=['layer2', 'layer3'],
                   extractor_grad=False)


@model_constructor
def atom_resnet50(iou_input_dim=(256, 256), iou_inter_dim=(256, 256), backbone_pretrained=True):
    """ATOM with a ResNet-50 backbone (layers 2 and 3 feed the IoU-Net); the backbone is frozen."""
    backbone_net = backbones.resnet50(pretrained=backbone_pretrained)
    iou_predictor = AtomIoUNet(input_dim=(4 * 128, 4 * 256), pred_input_dim=iou_input_dim,
                               pred_inter_dim=iou_inter_dim)
    return ATOMnet(feature_extractor=backbone_net, bb_regressor=iou_predictor, bb_regressor_layer=['layer2', 'layer3'],
                   extractor_grad=False)
