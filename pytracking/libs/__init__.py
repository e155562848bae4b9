"""Core libraries: TensorList/TensorDict containers, complex and Fourier helpers, DCF utilities and optimizers."""

from .tensorlist import TensorList
from .tensordict import TensorDict

__all__ = ['TensorList', 'TensorDict']
