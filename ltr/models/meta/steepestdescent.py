"""Generic unrolled steepest descent with Gauss-Newton step length (meta-learning optimizer).

The residual module maps the meta parameters (a list of tensors, typically a
``pytracking.libs.TensorList``) to a list of residual tensors r. Each iteration takes the step
    x <- x - alpha * g,   g = J^T r,   alpha = |g|^2 / (|J g|^2 + steplength_reg * |g|^2),
where J is the Jacobian of r. Both J^T r and J g are obtained with autograd (the latter by the
"double-backward" trick: differentiate J^T u with respect to the dummy vector u).
"""
from typing import List, Sequence

import torch
import torch.nn as nn


def _like(template, items: List[torch.Tensor]):
    """Return ``items`` in the container type of ``template`` (TensorList or plain list)."""
    if isinstance(template, list) and type(template) is not list:
        return type(template)(items)
    return list(items)


class GNSteepestDescent(nn.Module):
    """Steepest descent with Gauss-Newton step length on a residual module.

    args:
        residual_module - callable(meta_parameter, filter_dilation_factors=..., **kwargs) returning
                          a list of residual tensors.
        num_iter - default number of iterations.
        compute_losses - record the mean squared residual before each step and at the end.
        detach_length - detach the parameters from the graph every ``detach_length`` iterations.
        parameter_batch_dim - batch dimension of the parameter tensors (one step length per batch entry).
        residual_batch_dim - batch dimension of the residual tensors.
        steplength_reg - regularisation of the step length denominator.
        filter_dilation_factors - passed on to the residual module.
    """

    def __init__(self, residual_module: nn.Module, num_iter: int = 1, compute_losses: bool = False,
                 detach_length: float = float('Inf'), parameter_batch_dim: int = 0, residual_batch_dim: int = 0,
                 steplength_reg: float = 0.0, filter_dilation_factors=None):
        super().__init__()
        self.residual_module = residual_module
        self.num_iter = num_iter
        self.compute_losses = compute_losses
        self.detach_length = detach_length
        self.steplength_reg = steplength_reg
        self._parameter_batch_dim = parameter_batch_dim
        self._residual_batch_dim = residual_batch_dim
        self.filter_dilation_factors = filter_dilation_factors

    @staticmethod
    def _sqr_norm(x: Sequence[torch.Tensor], batch_dim: int = 0) -> torch.Tensor:
        """Squared norm of a list of tensors, summed over all dims except ``batch_dim``."""
        total = 0
        for e in x:
            total = total + (e * e).sum(dim=[d for d in range(e.dim()) if d != batch_dim])
        return total

    @staticmethod
    def _compute_loss(res: Sequence[torch.Tensor]) -> torch.Tensor:
        return sum((r * r).sum() for r in res) / sum(r.numel() for r in res)

    def forward(self, meta_parameter, num_iter=None, *args, **kwargs):
        """Run the optimizer.

        args:
            meta_parameter - initial parameters (TensorList / list of tensors).
            num_iter - number of iterations (default ``self.num_iter``).
            **kwargs - passed on to the residual module (e.g. feat, bb, sample_weight).
        returns:
            (final parameters, list of all iterates including the initial one, list of losses)
        """
        # A plain tensor is treated as a one-element list and returned as a tensor (as the original does).
        input_is_tensor = isinstance(meta_parameter, torch.Tensor)
        if input_is_tensor:
            from pytracking.libs.tensorlist import TensorList
            meta_parameter = TensorList([meta_parameter])

        # The step needs autograd even when called under torch.no_grad() during tracking.
        grad_was_enabled = torch.is_grad_enabled()
        torch.set_grad_enabled(True)
        try:
            num_iter = self.num_iter if num_iter is None else num_iter
            iterates = [meta_parameter]
            losses = []

            for i in range(num_iter):
                if i > 0 and i % self.detach_length == 0:
                    meta_parameter = _like(meta_parameter, [p.detach() for p in meta_parameter])
                params = list(meta_parameter)
                for p in params:
                    if not p.requires_grad:
                        p.requires_grad_(True)

                r = list(self.residual_module(meta_parameter, filter_dilation_factors=self.filter_dilation_factors,
                                              **kwargs))
                if self.compute_losses:
                    losses.append(self._compute_loss(r))

                # g = J^T u evaluated at u = r; differentiating g.g-weighted w.r.t. u gives J g.
                u = [e.clone() for e in r]
                g = list(torch.autograd.grad(r, params, u, create_graph=True))
                h = list(torch.autograd.grad(g, u, g, create_graph=True))

                ip_gg = self._sqr_norm(g, batch_dim=self._parameter_batch_dim)
                ip_hh = self._sqr_norm(h, batch_dim=self._residual_batch_dim)
                alpha = ip_gg / (ip_hh + self.steplength_reg * ip_gg).clamp(1e-8)

                new_params = []
                for p, e in zip(params, g):
                    shape = [-1 if d == self._parameter_batch_dim else 1 for d in range(e.dim())]
                    new_params.append(p - alpha.reshape(shape) * e)
                meta_parameter = _like(meta_parameter, new_params)
                iterates.append(meta_parameter)

            if self.compute_losses:
                r = self.residual_module(meta_parameter, filter_dilation_factors=self.filter_dilation_factors,
                                         **kwargs)
                losses.append(self._compute_loss(list(r)))
        finally:
            torch.set_grad_enabled(grad_was_enabled)

        if not grad_was_enabled:
            meta_parameter = _like(meta_parameter, [p.detach() for p in meta_parameter])
            iterates = [_like(w, [p.detach() for p in w]) for w in iterates]
            losses = [l.detach() for l in losses]

        if input_is_tensor:
            meta_parameter = meta_parameter[0]
            iterates = [w[0] for w in iterates]
        return meta_parameter, iterates, losses
