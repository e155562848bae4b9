"""IoU-Net of ATOM/DiMP: predicts the IoU of proposal boxes with the target.

A reference branch turns the target region of a reference frame into two modulation vectors; a
test branch computes features of the test frame, which are modulated (channel-wise product),
pooled inside each proposal with Precise RoI Pooling and mapped to an IoU estimate. Pooling is
exact and differentiable in the box coordinates, which the tracker uses to refine boxes by
gradient ascent.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn

from ltr.models.layers.blocks import LinearBlock, conv_block
from ltr.models.layers.prroi_pool import PrRoIPool2D


def conv(in_planes: int, out_planes: int, kernel_size: int = 3, stride: int = 1, padding: int = 1,
         dilation: int = 1) -> nn.Sequential:
    """Conv2d (with bias) + BatchNorm2d + ReLU."""
    return conv_block(in_planes, out_planes, kernel_size=kernel_size, stride=stride, padding=padding,
                      dilation=dilation, bias=True)


def _xywh_to_rois(boxes: torch.Tensor) -> torch.Tensor:
    """Boxes (batch, num_boxes, 4) as (x, y, w, h) -> RoIs (batch*num_boxes, 5) as (batch_idx, x1, y1, x2, y2)."""
    batch_size, num_boxes = boxes.shape[:2]
    batch_index = torch.arange(batch_size, dtype=boxes.dtype, device=boxes.device).reshape(-1, 1, 1)
    rois = torch.cat((batch_index.expand(-1, num_boxes, -1), boxes[..., :2], boxes[..., :2] + boxes[..., 2:4]), dim=2)
    return rois.reshape(-1, 5)


class AtomIoUNet(nn.Module):
    """IoU prediction network (see the ATOM paper), on two backbone layers (stride 8 and 16).

    args:
        input_dim - channels of the two backbone input layers.
        pred_input_dim - channels of the modulated test features.
        pred_inter_dim - widths of the fully connected layers after pooling.
    """

    def __init__(self, input_dim: Sequence[int] = (128, 256), pred_input_dim: Sequence[int] = (256, 256),
                 pred_inter_dim: Sequence[int] = (256, 256)):
        super().__init__()
        # Suffix r: reference branch, t: test branch.
        self.conv3_1r = conv(input_dim[0], 128, kernel_size=3, stride=1)
        self.conv3_1t = conv(input_dim[0], 256, kernel_size=3, stride=1)
        self.conv3_2t = conv(256, pred_input_dim[0], kernel_size=3, stride=1)

        self.prroi_pool3r = PrRoIPool2D(3, 3, 1 / 8)
        self.prroi_pool3t = PrRoIPool2D(5, 5, 1 / 8)

        self.fc3_1r = conv(128, 256, kernel_size=3, stride=1, padding=0)

        self.conv4_1r = conv(input_dim[1], 256, kernel_size=3, stride=1)
        self.conv4_1t = conv(input_dim[1], 256, kernel_size=3, stride=1)
        self.conv4_2t = conv(256, pred_input_dim[1], kernel_size=3, stride=1)

        self.prroi_pool4r = PrRoIPool2D(1, 1, 1 / 16)
        self.prroi_pool4t = PrRoIPool2D(3, 3, 1 / 16)

        self.fc34_3r = conv(256 + 256, pred_input_dim[0], kernel_size=1, stride=1, padding=0)
        self.fc34_4r = conv(256 + 256, pred_input_dim[1], kernel_size=1, stride=1, padding=0)

        self.fc3_rt = LinearBlock(pred_input_dim[0], pred_inter_dim[0], 5)
        self.fc4_rt = LinearBlock(pred_input_dim[1], pred_inter_dim[1], 3)

        self.iou_predictor = nn.Linear(pred_inter_dim[0] + pred_inter_dim[1], 1, bias=True)

        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight.data, mode='fan_in')
                if m.bias is not None:
                    m.bias.data.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                # U(0, 1) scale: the default of PyTorch <= 1.1, with which the official models were trained.
                m.weight.data.uniform_()
                m.bias.data.zero_()

    def forward(self, feat1: Sequence[torch.Tensor], feat2: Sequence[torch.Tensor], bb1: torch.Tensor,
                proposals2: torch.Tensor) -> torch.Tensor:
        """IoU prediction as used in training: modulation from the first reference frame.

        args:
            feat1 - [layer2, layer3] features of the reference frames, each (images, sequences, C, H, W)
                    or (images*sequences, C, H, W).
            feat2 - [layer2, layer3] features of the test frames (same layouts).
            bb1 - reference target boxes (x, y, w, h) in image coords, (images, sequences, 4).
            proposals2 - proposals (x, y, w, h) in the test frames, (images, sequences, num_proposals, 4).
        returns the predicted IoU (images, sequences, num_proposals).
        """
        if bb1.dim() != 3:
            raise ValueError('AtomIoUNet: bb1 must have shape (images, sequences, 4), got {}'.format(tuple(bb1.shape)))
        if proposals2.dim() != 4:
            raise ValueError('AtomIoUNet: proposals2 must have shape (images, sequences, proposals, 4), got {}'.format(
                tuple(proposals2.shape)))
        num_images, num_sequences = proposals2.shape[:2]

        feat1 = [f[0, ...] if f.dim() == 5 else f.reshape(-1, num_sequences, *f.shape[-3:])[0, ...] for f in feat1]
        modulation = self.get_modulation(feat1, bb1[0, ...])
        iou_feat = self.get_iou_feat(feat2)

        modulation = [m.reshape(1, num_sequences, -1).expand(num_images, -1, -1).reshape(num_images * num_sequences, -1)
                      for m in modulation]
        proposals2 = proposals2.reshape(num_images * num_sequences, -1, 4)
        pred_iou = self.predict_iou(modulation, iou_feat, proposals2)
        return pred_iou.reshape(num_images, num_sequences, -1)

    def predict_iou(self, modulation: Sequence[torch.Tensor], feat: Sequence[torch.Tensor],
                    proposals: torch.Tensor) -> torch.Tensor:
        """Predict the IoU of proposals.

        args:
            modulation - two modulation vectors (batch, C3) and (batch, C4), from :meth:`get_modulation`.
            feat - two test feature maps (batch, C3, H3, W3), (batch, C4, H4, W4), from :meth:`get_iou_feat`.
            proposals - boxes (x, y, w, h) in image coords, (batch, num_proposals, 4).
        returns (batch, num_proposals).
        """
        fc34_3_r, fc34_4_r = modulation
        c3_t, c4_t = feat
        batch_size = c3_t.shape[0]

        c3_t_att = c3_t * fc34_3_r.reshape(batch_size, -1, 1, 1)
        c4_t_att = c4_t * fc34_4_r.reshape(batch_size, -1, 1, 1)

        num_proposals = proposals.shape[1]
        rois = _xywh_to_rois(proposals)

        fc3_rt = self.fc3_rt(self.prroi_pool3t(c3_t_att, rois))
        fc4_rt = self.fc4_rt(self.prroi_pool4t(c4_t_att, rois))
        return self.iou_predictor(torch.cat((fc3_rt, fc4_rt), dim=1)).reshape(batch_size, num_proposals)

    def get_modulation(self, feat: Sequence[torch.Tensor], bb: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Modulation vectors of the targets.

        args:
            feat - [layer2, layer3] reference features, each (batch, C, H, W).
            bb - target boxes (x, y, w, h) in image coords, (batch, 4).
        returns two tensors (batch, pred_input_dim[i], 1, 1).
        """
        feat3_r, feat4_r = feat
        rois = _xywh_to_rois(bb.reshape(-1, 1, 4))

        roi3r = self.prroi_pool3r(self.conv3_1r(feat3_r), rois)
        roi4r = self.prroi_pool4r(self.conv4_1r(feat4_r), rois)
        fc34_r = torch.cat((self.fc3_1r(roi3r), roi4r), dim=1)
        return self.fc34_3r(fc34_r), self.fc34_4r(fc34_r)

    def get_iou_feat(self, feat2: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Test-branch features from [layer2, layer3] backbone features (4 or 5 dims each)."""
        feat3_t, feat4_t = [f.reshape(-1, *f.shape[-3:]) if f.dim() == 5 else f for f in feat2]
        c3_t = self.conv3_2t(self.conv3_1t(feat3_t))
        c4_t = self.conv4_2t(self.conv4_1t(feat4_t))
        return c3_t, c4_t
