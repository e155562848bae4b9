"""Building blocks shared by the training recipes (the hyperparameters themselves stay in each recipe)."""
from typing import List, Tuple

from ltr.data import LTRLoader
import ltr.data.transforms as tfm

def standard_transforms(settings, flip: bool = False) -> Tuple[tfm.Transform, tfm.Transform, tfm.Transform]:
    """The augmentations used by the DiMP and ATOM recipes.

    args:
        settings - provides ``normalize_mean`` and ``normalize_std``.
        flip - add random horizontal flips (SuperDiMP).
    returns:
        (transform_joint, transform_train, transform_val): the joint transform applied to all frames of a sample
        (5 % grayscale), the per-frame training transform (brightness jitter 0.2 + normalisation) and the
        validation transform (normalisation only).
    """
    joint = [tfm.ToGrayscale(probability=0.05)]
    train = [tfm.ToTensorAndJitter(0.2)]
    if flip:
        joint.append(tfm.RandomHorizontalFlip(probability=0.5))
        train.append(tfm.RandomHorizontalFlip(probability=0.5))
    train.append(tfm.Normalize(mean=settings.normalize_mean, std=settings.normalize_std))
    transform_val = tfm.Transform(tfm.ToTensor(), tfm.Normalize(mean=settings.normalize_mean,
                                                               std=settings.normalize_std))
    return tfm.Transform(*joint), tfm.Transform(*train), transform_val


def tracking_datasets(settings) -> Tuple[List, List]:
    """The standard training and validation sets of the original recipes.

    returns:
        (train, val) - train: [LaSOT train, GOT-10k vottrain, TrackingNet sets 0-3, COCO]; val: [GOT-10k votval].
    """
    from ltr.dataset import Got10k, Lasot, MSCOCOSeq, TrackingNet

    lasot_train = Lasot(settings.env.lasot_dir, split='train')
    got10k_train = Got10k(settings.env.got10k_dir, split='vottrain')
    trackingnet_train = TrackingNet(settings.env.trackingnet_dir, set_ids=list(range(4)))
    coco_train = MSCOCOSeq(settings.env.coco_dir)
    got10k_val = Got10k(settings.env.got10k_dir, split='votval')
    return [lasot_train, got10k_train, trackingnet_train, coco_train], [got10k_val]


def processing_pair(processing_class, settings, transform_joint, transform_train, transform_val, **kwargs):
    """Training and validation processing of ``processing_class`` with the recipe's crop settings
    (``search_area_factor``, ``output_sz``, ``center_jitter_factor``, ``scale_jitter_factor``; mode 'sequence').

    returns: (processing_train, processing_val)
    """
    common = dict(search_area_factor=settings.search_area_factor, output_sz=settings.output_sz,
                  center_jitter_factor=settings.center_jitter_factor,
                  scale_jitter_factor=settings.scale_jitter_factor, mode='sequence', joint_transform=transform_joint,
                  **kwargs)
    return processing_class(transform=transform_train, **common), processing_class(transform=transform_val, **common)


def train_val_loaders(settings, dataset_train, dataset_val, val_epoch_interval: int = 5) -> Tuple[LTRLoader,
                                                                                                  LTRLoader]:
    """The recipes' loaders: batches stacked along dimension 1, shuffled training, validation every
    ``val_epoch_interval`` epochs."""
    loader_train = LTRLoader('train', dataset_train, training=True, batch_size=settings.batch_size,
                             num_workers=settings.num_workers, shuffle=True, drop_last=True, stack_dim=1)
    loader_val = LTRLoader('val', dataset_val, training=False, batch_size=settings.batch_size,
                           num_workers=settings.num_workers, shuffle=False, drop_last=True,
                           epoch_interval=val_epoch_interval, stack_dim=1)
    return loader_train, loader_val

