"""KeepTrack's target candidate matching network."""
from .target_candidate_matching import (DescriptorExtractor, TargetCandidateMatchingNetwork,
                                        target_candidate_matching_net_resnet50)
from .superglue import SuperGlue, log_optimal_transport, log_sinkhorn_iterations

__all__ = ['DescriptorExtractor', 'TargetCandidateMatchingNetwork', 'target_candidate_matching_net_resnet50',
           'SuperGlue', 'log_optimal_transport', 'log_sinkhorn_iterations']
