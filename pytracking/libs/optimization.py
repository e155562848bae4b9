"""Optimizers for (non-)linear least-squares and general minimization problems on TensorList variables.

The problem objects define the residuals (:class:`L2Problem`) or the loss
(:class:`MinimizationProblem`) and the inner products used by conjugate gradient; the optimizers
update the variable TensorList **in place**, so containers sharing its tensors (e.g. a tracker's
filter) see the result. Jacobian products are formed with ``torch.autograd.grad`` (the double
backward trick for J^T J), so any differentiable residual function works on CPU or CUDA. The
``run`` methods enable autograd themselves, so they also work when called under ``torch.no_grad()``.
"""

import logging
from typing import Any, List, Optional, Sequence, Tuple, Union

import torch
import torch.autograd

from .tensorlist import TensorList

logger = logging.getLogger(__name__)

__all__ = ['L2Problem', 'MinimizationProblem', 'ConjugateGradientBase', 'ConjugateGradient', 'GaussNewtonCG',
           'GradientDescentL2', 'NewtonCG', 'GradientDescent']


def _total(v: Any) -> torch.Tensor:
    """Sum a TensorList/list of partial inner products into one scalar tensor."""
    if isinstance(v, (TensorList, list, tuple)):
        return sum(v)
    return v


def _as_vector(v: Any) -> torch.Tensor:
    """A detached 1D CPU tensor of the values of ``v`` (scalar tensor, number or list of them).

    The precision of the problem is kept (a float64 problem records float64 losses; concatenation
    with the initial empty float32 record promotes), so the recorded values are the loss itself,
    not a float32 rounding of it. Python numbers are recorded as float64.
    """
    t = _total(v)
    t = torch.as_tensor(t, dtype=torch.float64) if not isinstance(t, torch.Tensor) else t.detach()
    if not t.is_floating_point():
        t = t.double()
    return t.cpu().view(-1)


def _grad_norm(grad: TensorList) -> torch.Tensor:
    """Euclidean norm of a gradient TensorList as a detached 1D CPU tensor, in the gradient's precision."""
    return _as_vector(sum(grad.view(-1) @ grad.view(-1))).sqrt()


def _plot_graph(values: torch.Tensor, fig_num: int, title: str) -> None:
    """Plot a convergence curve if the plotting utilities are available; never required."""
    try:
        from pytracking.utils.plotting import plot_graph
    except ImportError as err:
        logger.warning('Optimizer plotting requested but pytracking.utils.plotting is unavailable: %s', err)
        return
    plot_graph(values, fig_num, title=title)


class L2Problem:
    """Base class for least-squares problems: minimize ||f(x)||^2 over the TensorList ``x``.

    Subclasses implement ``__call__(x) -> residuals`` (a TensorList) and may override the inner
    products and the preconditioners ``M1``/``M2`` (applied as z = M2(M1(r)) in CG).
    """

    def __call__(self, x: TensorList) -> TensorList:
        """Residuals f(x)."""
        raise NotImplementedError

    def ip_input(self, a: TensorList, b: TensorList) -> torch.Tensor:
        """Inner product in the variable space."""
        return sum(a.view(-1) @ b.view(-1))

    def ip_output(self, a: TensorList, b: TensorList) -> torch.Tensor:
        """Inner product in the residual space (the loss is ip_output(f, f))."""
        return sum(a.view(-1) @ b.view(-1))

    def M1(self, x: TensorList) -> TensorList:
        """First preconditioner (identity)."""
        return x

    def M2(self, x: TensorList) -> TensorList:
        """Second preconditioner (identity)."""
        return x


class MinimizationProblem:
    """Base class for general minimization problems: ``__call__(x)`` returns the scalar loss."""

    def __call__(self, x: TensorList) -> torch.Tensor:
        """Loss at x (a scalar tensor)."""
        raise NotImplementedError

    def ip_input(self, a: TensorList, b: TensorList) -> torch.Tensor:
        """Inner product in the variable space."""
        return sum(a.view(-1) @ b.view(-1))

    def M1(self, x: TensorList) -> TensorList:
        """First preconditioner (identity)."""
        return x

    def M2(self, x: TensorList) -> TensorList:
        """Second preconditioner (identity)."""
        return x


class ConjugateGradientBase:
    """Preconditioned conjugate gradient for A x = b, with A and b supplied by subclasses.

    args:
        fletcher_reeves: Fletcher-Reeves beta (else Polak-Ribiere).
        standard_alpha: alpha = rho / <p, A p> (else <p, r> / <p, A p>).
        direction_forget_factor: 0 restarts CG from scratch on every call; a value in (0, 1]
            keeps the previous search direction across calls with rho divided by this factor.
        debug: record residual norms.
    """

    def __init__(self, fletcher_reeves: bool = True, standard_alpha: bool = True,
                 direction_forget_factor: float = 0, debug: bool = False):
        self.fletcher_reeves = fletcher_reeves
        self.standard_alpha = standard_alpha
        self.direction_forget_factor = direction_forget_factor
        self.debug = debug

        self.p = None
        self.rho = torch.ones(1)
        self.r_prev = None
        self.b = None

    def reset_state(self) -> None:
        """Forget the search direction kept between calls."""
        self.p = None
        self.rho = torch.ones(1)
        self.r_prev = None

    def run_CG(self, num_iter: int, x: Optional[TensorList] = None, eps: float = 0.0
               ) -> Tuple[Optional[TensorList], Optional[torch.Tensor]]:
        """Run at most ``num_iter`` CG iterations on A x = b.

        args:
            num_iter: number of iterations.
            x: initial guess (None = zero).
            eps: stop once the residual norm is at most eps (0 = never).
        returns:
            (x, resvec): the solution (None if no step was taken) and, in debug mode, the residual
            norms (CPU tensor, first entry before the first iteration), else None.
        """
        if self.direction_forget_factor == 0:
            self.reset_state()
        elif self.p is not None:
            self.rho /= self.direction_forget_factor

        r = self.b.clone() if x is None else self.b - self.A(x)

        resvec = None
        if self.debug:
            resvec = torch.zeros(num_iter + 1)
            resvec[0] = self.residual_norm(r).detach().cpu()

        ii = -1
        for ii in range(num_iter):
            z = self.M2(self.M1(r))

            rho1 = self.rho
            self.rho = self.ip(r, z)

            if self.check_zero(self.rho):
                logger.debug('CG stopped after %d iterations: rho = 0', ii)
                if resvec is not None:
                    resvec = resvec[:ii + 1]
                return x, resvec

            if self.p is None:
                self.p = z.clone()
            else:
                if self.fletcher_reeves:
                    beta = self.rho / rho1
                else:
                    beta = (self.rho - self.ip(self.r_prev, z)) / rho1
                beta = beta.clamp(0)
                self.p = z + self.p * beta

            q = self.A(self.p)
            pq = self.ip(self.p, q)

            if self.standard_alpha:
                alpha = self.rho / pq
            else:
                alpha = self.ip(self.p, r) / pq

            if not self.fletcher_reeves:
                self.r_prev = r.clone()

            if x is None:
                x = self.p * alpha
            else:
                x += self.p * alpha

            # The residual after the last iteration is only needed for diagnostics.
            if ii < num_iter - 1 or self.debug:
                r -= q * alpha

            normr = None
            if eps > 0.0 or self.debug:
                normr = self.residual_norm(r)

            if self.debug:
                self.evaluate_CG_iteration(x)
                resvec[ii + 1] = normr.detach().cpu()

            if eps > 0 and normr <= eps:
                logger.debug('CG stopped after %d iterations: residual norm below eps', ii + 1)
                break

        if resvec is not None:
            resvec = resvec[:ii + 2]
        return x, resvec

    def A(self, x: TensorList) -> TensorList:
        """The left-hand-side operator."""
        raise NotImplementedError

    def ip(self, a: TensorList, b: TensorList) -> Any:
        """Inner product (may return a TensorList of per-block products)."""
        return a.view(-1) @ b.view(-1)

    def residual_norm(self, r: TensorList) -> torch.Tensor:
        """Euclidean norm of the CG residual under ``ip``."""
        return _total(self.ip(r, r).sum()).sqrt()

    def check_zero(self, s: Any, eps: float = 0.0) -> bool:
        """True if any entry of ``s`` (tensor or TensorList) has magnitude <= eps."""
        ss = s.abs() <= eps
        if isinstance(ss, (TensorList, list, tuple)):
            return any(bool(e.any()) for e in ss)
        return bool(ss.any())

    def M1(self, x: TensorList) -> TensorList:
        """First preconditioner (identity)."""
        return x

    def M2(self, x: TensorList) -> TensorList:
        """Second preconditioner (identity)."""
        return x

    def evaluate_CG_iteration(self, x: TensorList) -> None:
        """Hook called after every CG iteration in debug mode."""


class _ProblemDelegation:
    """CG inner product and preconditioners taken from the problem object."""

    problem: Any

    def ip(self, a, b):
        return self.problem.ip_input(a, b)

    def M1(self, x):
        return self.problem.M1(x)

    def M2(self, x):
        return self.problem.M2(x)


class _GaussNewtonOperator(_ProblemDelegation):
    """The Gauss-Newton system (J^T J) dx = -J^T f for an L2Problem, J^T J applied by double backward."""

    def _linearize(self) -> None:
        """Evaluate the residuals at the current x and set up the right-hand side ``self.b``."""
        self.x.requires_grad_(True)
        self.f0 = self.problem(self.x)
        # g is a detached copy of f0: J^T g is linear in g, so differentiating it w.r.t. g gives J v.
        self.g = self.f0.detach()
        self.g.requires_grad_(True)
        self.dfdxt_g = TensorList(torch.autograd.grad(self.f0, self.x, self.g, create_graph=True))
        self.b = -self.dfdxt_g.detach()

    def A(self, x):
        dfdx_x = torch.autograd.grad(self.dfdxt_g, self.g, x, retain_graph=True)
        return TensorList(torch.autograd.grad(self.f0, self.x, dfdx_x, retain_graph=True))


class ConjugateGradient(_GaussNewtonOperator, ConjugateGradientBase):
    """Conjugate gradient on the Gauss-Newton system of an L2 problem, linearized once per ``run``.

    args:
        problem: the L2Problem.
        variable: TensorList of tensors, updated in place.
        cg_eps: CG residual-norm stopping threshold (0 = run all iterations).
        fletcher_reeves, standard_alpha, direction_forget_factor: see ConjugateGradientBase.
        debug: record ``losses`` (before and after each run) and CG ``residuals``.
        plotting: plot the curves (implies debug; needs pytracking.utils.plotting).
        visdom: object with ``register(data, mode, level, title)`` to send the curves to instead.
    """

    def __init__(self, problem: L2Problem, variable: TensorList, cg_eps: float = 0.0, fletcher_reeves: bool = True,
                 standard_alpha: bool = True, direction_forget_factor: float = 0, debug: bool = False,
                 plotting: bool = False, visdom: Any = None, fig_num: Sequence[int] = (10, 11)):
        super().__init__(fletcher_reeves, standard_alpha, direction_forget_factor, debug or plotting)
        self.problem = problem
        self.x = variable
        self.plotting = plotting
        self.fig_num = fig_num
        self.visdom = visdom
        self.cg_eps = cg_eps
        self.f0 = None
        self.g = None
        self.dfdxt_g = None
        self.residuals = torch.zeros(0)
        self.losses = torch.zeros(0)

    def clear_temp(self) -> None:
        """Drop the graph and temporaries of the last linearization."""
        self.f0 = None
        self.g = None
        self.dfdxt_g = None

    @torch.enable_grad()
    def run(self, num_cg_iter: int) -> None:
        """Linearize at the current variable and run ``num_cg_iter`` CG iterations (0 = do nothing)."""
        if num_cg_iter == 0:
            return

        lossvec = torch.zeros(2, dtype=torch.float64) if self.debug else None

        self._linearize()
        if self.debug:
            lossvec[0] = _as_vector(self.problem.ip_output(self.g, self.g))[0]

        delta_x, res = self.run_CG(num_cg_iter, eps=self.cg_eps)

        self.x.detach_()
        if delta_x is not None:
            self.x += delta_x

        if self.debug:
            with torch.no_grad():
                f = self.problem(self.x)
                lossvec[-1] = _as_vector(self.problem.ip_output(f, f))[0]
            self.residuals = torch.cat((self.residuals, res))
            self.losses = torch.cat((self.losses, lossvec))
            if self.visdom is not None:
                self.visdom.register(self.losses, 'lineplot', 3, 'Loss')
                self.visdom.register(self.residuals, 'lineplot', 3, 'CG residuals')
            elif self.plotting:
                _plot_graph(self.losses, self.fig_num[0], title='Loss')
                _plot_graph(self.residuals, self.fig_num[1], title='CG residuals')

        self.x.detach_()
        self.clear_temp()


class GaussNewtonCG(_GaussNewtonOperator, ConjugateGradientBase):
    """Gauss-Newton for L2 problems, each normal-equation system solved approximately by CG.

    args: as ConjugateGradient, plus ``analyze`` (record loss and gradient magnitude after every
    CG iteration in ``losses`` / ``gradient_mags``; implies debug).
    """

    def __init__(self, problem: L2Problem, variable: TensorList, cg_eps: float = 0.0, fletcher_reeves: bool = True,
                 standard_alpha: bool = True, direction_forget_factor: float = 0, debug: bool = False,
                 analyze: bool = False, plotting: bool = False, visdom: Any = None,
                 fig_num: Sequence[int] = (10, 11, 12)):
        super().__init__(fletcher_reeves, standard_alpha, direction_forget_factor, debug or analyze or plotting)
        self.problem = problem
        self.x = variable
        self.analyze_convergence = analyze
        self.plotting = plotting
        self.fig_num = fig_num
        self.visdom = visdom
        self.cg_eps = cg_eps
        self.f0 = None
        self.g = None
        self.dfdxt_g = None
        self.residuals = torch.zeros(0)
        self.losses = torch.zeros(0)
        self.gradient_mags = torch.zeros(0)

    def clear_temp(self) -> None:
        """Drop the graph and temporaries of the last linearization."""
        self.f0 = None
        self.g = None
        self.dfdxt_g = None

    def run_GN(self, *args, **kwargs):
        """Alias of :meth:`run`."""
        return self.run(*args, **kwargs)

    @torch.enable_grad()
    def run(self, num_cg_iter: Union[int, Sequence[int]], num_gn_iter: Optional[int] = None):
        """Run Gauss-Newton.

        args:
            num_cg_iter: CG iterations per GN iteration; or a list giving the CG iterations of each
                GN iteration (then the number of GN iterations is its length).
            num_gn_iter: number of GN iterations; required when num_cg_iter is an int.
        returns:
            (losses, residuals) recorded so far (empty tensors unless debug), or None if no
            iteration was requested.
        """
        if isinstance(num_cg_iter, int):
            if num_gn_iter is None:
                raise ValueError('GaussNewtonCG.run: num_gn_iter must be given when num_cg_iter is an int '
                                 '(or pass a list of CG iterations, one per GN iteration).')
            num_cg_iter = [num_cg_iter] * num_gn_iter

        if len(num_cg_iter) == 0:
            return None

        if self.analyze_convergence:
            self.evaluate_CG_iteration(0)

        for cg_iter in num_cg_iter:
            self.run_GN_iter(cg_iter)

        if self.debug:
            if not self.analyze_convergence:
                with torch.no_grad():
                    f = self.problem(self.x)
                    self.losses = torch.cat((self.losses, _as_vector(self.problem.ip_output(f, f))))
            if self.visdom is not None:
                self.visdom.register(self.losses, 'lineplot', 3, 'Loss')
                self.visdom.register(self.residuals, 'lineplot', 3, 'CG residuals')
                if self.analyze_convergence:
                    self.visdom.register(self.gradient_mags, 'lineplot', 4, 'Gradient magnitude')
            elif self.plotting:
                _plot_graph(self.losses, self.fig_num[0], title='Loss')
                _plot_graph(self.residuals, self.fig_num[1], title='CG residuals')
                if self.analyze_convergence:
                    _plot_graph(self.gradient_mags, self.fig_num[2], title='Gradient magnitude')

        self.x.detach_()
        self.clear_temp()
        return self.losses, self.residuals

    def run_GN_iter(self, num_cg_iter: int) -> None:
        """One Gauss-Newton iteration: linearize, solve with ``num_cg_iter`` CG iterations, update x."""
        self._linearize()
        if self.debug and not self.analyze_convergence:
            self.losses = torch.cat((self.losses, _as_vector(self.problem.ip_output(self.g, self.g))))

        delta_x, res = self.run_CG(num_cg_iter, eps=self.cg_eps)

        self.x.detach_()
        if delta_x is not None:
            self.x += delta_x

        if self.debug:
            self.residuals = torch.cat((self.residuals, res))

    def evaluate_CG_iteration(self, delta_x: Union[TensorList, int]) -> None:
        """With ``analyze``: record loss and gradient norm at x + delta_x."""
        if not self.analyze_convergence:
            return
        x = (self.x + delta_x).detach()
        x.requires_grad_(True)
        f = self.problem(x)
        loss = _total(self.problem.ip_output(f, f))
        grad = TensorList(torch.autograd.grad(loss, x))
        self.losses = torch.cat((self.losses, _as_vector(loss)))
        self.gradient_mags = torch.cat((self.gradient_mags, _grad_norm(grad)))


class _GradientDescentBase:
    """Shared loop of the gradient-descent optimizers (with momentum)."""

    def __init__(self, problem: Any, variable: TensorList, step_length: float, momentum: float,
                 debug: bool, plotting: bool, visdom: Any, fig_num: Sequence[int]):
        self.problem = problem
        self.x = variable
        self.step_length = step_length
        self.momentum = momentum
        self.debug = debug or plotting
        self.plotting = plotting
        self.fig_num = fig_num
        self.visdom = visdom
        self.losses = torch.zeros(0)
        self.gradient_mags = torch.zeros(0)
        self.residuals = None
        self.clear_temp()

    @property
    def step_legnth(self) -> float:
        """The original's (misspelled) attribute name for ``step_length``."""
        return self.step_length

    @step_legnth.setter
    def step_legnth(self, value: float) -> None:
        self.step_length = value

    def clear_temp(self) -> None:
        self.dir = None

    def _loss(self, x: TensorList) -> torch.Tensor:
        raise NotImplementedError

    @torch.enable_grad()
    def run(self, num_iter: int, dummy: Any = None) -> None:
        """Take ``num_iter`` gradient steps x <- x - step_length * dir, dir = grad + momentum * dir.

        ``dummy`` is ignored (lets callers use the same call as for GaussNewtonCG).
        """
        if num_iter == 0:
            return

        if self.debug:
            lossvec = torch.zeros(num_iter + 1, dtype=torch.float64)
            grad_mags = torch.zeros(num_iter + 1, dtype=torch.float64)

        for i in range(num_iter):
            self.x.requires_grad_(True)
            loss = self._loss(self.x)
            grad = TensorList(torch.autograd.grad(loss, self.x))

            self.dir = grad if self.dir is None else grad + self.momentum * self.dir

            self.x.detach_()
            self.x -= self.step_length * self.dir

            if self.debug:
                lossvec[i] = loss.item()
                grad_mags[i] = _grad_norm(grad)[0]

        if self.debug:
            self.x.requires_grad_(True)
            loss = self._loss(self.x)
            grad = TensorList(torch.autograd.grad(loss, self.x))
            lossvec[-1] = loss.item()
            grad_mags[-1] = _grad_norm(grad)[0]
            self.losses = torch.cat((self.losses, lossvec))
            self.gradient_mags = torch.cat((self.gradient_mags, grad_mags))
            if self.visdom is not None:
                self.visdom.register(self.losses, 'lineplot', 3, 'Loss')
                self.visdom.register(self.gradient_mags, 'lineplot', 4, 'Gradient magnitude')
            elif self.plotting:
                _plot_graph(self.losses, self.fig_num[0], title='Loss')
                _plot_graph(self.gradient_mags, self.fig_num[1], title='Gradient magnitude')

        self.x.detach_()
        self.clear_temp()


class GradientDescentL2(_GradientDescentBase):
    """Gradient descent with momentum on the loss ip_output(f(x), f(x)) of an L2Problem.

    args:
        problem: the L2Problem.
        variable: TensorList, updated in place.
        step_length: step size.
        momentum: momentum factor (0 = plain gradient descent).
        debug: record ``losses`` and ``gradient_mags``; plotting/visdom as in ConjugateGradient.
    """

    def __init__(self, problem: L2Problem, variable: TensorList, step_length: float, momentum: float = 0.0,
                 debug: bool = False, plotting: bool = False, visdom: Any = None, fig_num: Sequence[int] = (10, 11)):
        super().__init__(problem, variable, step_length, momentum, debug, plotting, visdom, fig_num)

    def clear_temp(self) -> None:
        self.f0 = None
        self.dir = None

    def _loss(self, x: TensorList) -> torch.Tensor:
        self.f0 = self.problem(x)
        return _total(self.problem.ip_output(self.f0, self.f0))


class NewtonCG(_ProblemDelegation, ConjugateGradientBase):
    """Newton's method for a MinimizationProblem, each Newton system (H + reg I) dx = -grad solved by CG
    with Hessian-vector products from double backward.

    args:
        problem: the MinimizationProblem.
        variable: TensorList, updated in place.
        init_hessian_reg: initial Tikhonov term added to the Hessian.
        hessian_reg_factor: multiplies the regularization after every Newton iteration.
        cg_eps, fletcher_reeves, standard_alpha, direction_forget_factor, debug, analyze, plotting,
        fig_num: as in GaussNewtonCG.
    """

    def __init__(self, problem: MinimizationProblem, variable: TensorList, init_hessian_reg: float = 0.0,
                 hessian_reg_factor: float = 1.0, cg_eps: float = 0.0, fletcher_reeves: bool = True,
                 standard_alpha: bool = True, direction_forget_factor: float = 0, debug: bool = False,
                 analyze: bool = False, plotting: bool = False, fig_num: Sequence[int] = (10, 11, 12)):
        super().__init__(fletcher_reeves, standard_alpha, direction_forget_factor, debug or analyze or plotting)
        self.problem = problem
        self.x = variable
        self.analyze_convergence = analyze
        self.plotting = plotting
        self.fig_num = fig_num
        self.hessian_reg = init_hessian_reg
        self.hessian_reg_factor = hessian_reg_factor
        self.cg_eps = cg_eps
        self.f0 = None
        self.g = None
        self.residuals = torch.zeros(0)
        self.losses = torch.zeros(0)
        self.gradient_mags = torch.zeros(0)

    def clear_temp(self) -> None:
        """Drop the graph and temporaries of the last Newton iteration."""
        self.f0 = None
        self.g = None

    @torch.enable_grad()
    def run(self, num_cg_iter: Union[int, Sequence[int]], num_newton_iter: Optional[int] = None):
        """Run Newton iterations.

        args:
            num_cg_iter: CG iterations per Newton iteration, or a list of them (one per Newton iteration).
            num_newton_iter: number of Newton iterations when num_cg_iter is an int (default 1).
        returns:
            (losses, residuals) recorded so far, or None if no iteration was requested.
        """
        if isinstance(num_cg_iter, int):
            if num_cg_iter == 0:
                return None
            num_cg_iter = [num_cg_iter] * (1 if num_newton_iter is None else num_newton_iter)

        if len(num_cg_iter) == 0:
            return None

        if self.analyze_convergence:
            self.evaluate_CG_iteration(0)

        for cg_iter in num_cg_iter:
            self.run_newton_iter(cg_iter)
            self.hessian_reg *= self.hessian_reg_factor

        if self.debug:
            if not self.analyze_convergence:
                with torch.no_grad():
                    self.losses = torch.cat((self.losses, _as_vector(self.problem(self.x))))
            if self.plotting:
                _plot_graph(self.losses, self.fig_num[0], title='Loss')
                _plot_graph(self.residuals, self.fig_num[1], title='CG residuals')
                if self.analyze_convergence:
                    _plot_graph(self.gradient_mags, self.fig_num[2], title='Gradient magnitude')

        self.x.detach_()
        self.clear_temp()
        return self.losses, self.residuals

    def run_newton_iter(self, num_cg_iter: int) -> None:
        """One Newton iteration: gradient with graph, CG on the (regularized) Hessian system, update x."""
        self.x.requires_grad_(True)
        self.f0 = self.problem(self.x)
        if self.debug and not self.analyze_convergence:
            self.losses = torch.cat((self.losses, _as_vector(self.f0)))

        self.g = TensorList(torch.autograd.grad(self.f0, self.x, create_graph=True))
        self.b = -self.g.detach()

        delta_x, res = self.run_CG(num_cg_iter, eps=self.cg_eps)

        self.x.detach_()
        if delta_x is not None:
            self.x += delta_x

        if self.debug:
            self.residuals = torch.cat((self.residuals, res))

    def A(self, x: TensorList) -> TensorList:
        return TensorList(torch.autograd.grad(self.g, self.x, x, retain_graph=True)) + self.hessian_reg * x

    def evaluate_CG_iteration(self, delta_x: Union[TensorList, int]) -> None:
        """With ``analyze``: record loss and gradient norm at x + delta_x."""
        if not self.analyze_convergence:
            return
        x = (self.x + delta_x).detach()
        x.requires_grad_(True)
        loss = self.problem(x)
        grad = TensorList(torch.autograd.grad(loss, x))
        self.losses = torch.cat((self.losses, _as_vector(loss)))
        self.gradient_mags = torch.cat((self.gradient_mags, _grad_norm(grad)))


class GradientDescent(_GradientDescentBase):
    """Gradient descent with momentum for a MinimizationProblem (arguments as GradientDescentL2)."""

    def __init__(self, problem: MinimizationProblem, variable: TensorList, step_length: float, momentum: float = 0.0,
                 debug: bool = False, plotting: bool = False, fig_num: Sequence[int] = (10, 11), visdom: Any = None):
        super().__init__(problem, variable, step_length, momentum, debug, plotting, visdom, fig_num)

    def _loss(self, x: TensorList) -> torch.Tensor:
        return self.problem(x)
