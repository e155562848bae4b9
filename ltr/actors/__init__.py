from .base_actor import BaseActor
from .bbreg import AtomActor, AtomBBKLActor
from .tracking import DiMPActor, KLDiMPActor
from .keep_track import TargetCandiateMatchingActor
