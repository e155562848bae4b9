from .target_classification import LBHinge, LBHingev2, IsTargetCellLoss, TrackingClassificationAccuracy, FocalLoss
from .kl_regression import KLRegression, KLRegressionGrid, MLRegression
