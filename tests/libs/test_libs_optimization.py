import math

import numpy as np
import pytest
import torch

from pytracking.libs import TensorList
from pytracking.libs import optimization as opt

DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])


class LinearLS(opt.L2Problem):
    """Residuals [A1 x1 + B1 vec(x2) - b1, sqrt(lam) * x2] for x = [x1 (3,), x2 (2, 2)]."""

    def __init__(self, device='cpu', seed=0, per_block_ip=False):
        g = torch.Generator().manual_seed(seed)
        self.A1 = torch.randn(6, 3, generator=g, dtype=torch.float64).to(device)
        self.B1 = torch.randn(6, 4, generator=g, dtype=torch.float64).to(device)
        self.b1 = torch.randn(6, generator=g, dtype=torch.float64).to(device)
        self.lam = 0.3
        self.per_block_ip = per_block_ip

    def __call__(self, x):
        r1 = self.A1 @ x[0] + self.B1 @ x[1].reshape(-1) - self.b1
        return TensorList([r1, math.sqrt(self.lam) * x[1]])

    def ip_input(self, a, b):
        total = sum(a.view(-1) @ b.view(-1))
        # A TensorList of (here identical) per-block inner products, as ATOM's problems return.
        return TensorList([total, total]) if self.per_block_ip else total

    def closed_form(self):
        """Solution of the normal equations, computed with numpy."""
        m = np.zeros((10, 7))
        m[:6, :3] = self.A1.cpu().numpy()
        m[:6, 3:] = self.B1.cpu().numpy()
        m[6:, 3:] = math.sqrt(self.lam) * np.eye(4)
        rhs = np.concatenate([self.b1.cpu().numpy(), np.zeros(4)])
        sol = np.linalg.solve(m.T @ m, m.T @ rhs)
        min_loss = float(np.sum((m @ sol - rhs) ** 2))
        return sol[:3], sol[3:].reshape(2, 2), min_loss, m, rhs

    def loss(self, x):
        f = self(x)
        return float(sum(f.view(-1) @ f.view(-1)))


def _zeros_var(device):
    return TensorList([torch.zeros(3, dtype=torch.float64, device=device),
                       torch.zeros(2, 2, dtype=torch.float64, device=device)])


def _assert_solution(x, problem, tol=1e-5):
    s1, s2, _, _, _ = problem.closed_form()
    np.testing.assert_allclose(x[0].detach().cpu().numpy(), s1, atol=tol, rtol=0)
    np.testing.assert_allclose(x[1].detach().cpu().numpy(), s2, atol=tol, rtol=0)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('per_block_ip', [False, True])
def test_conjugate_gradient_reaches_normal_equation_solution(device, per_block_ip):
    problem = LinearLS(device, per_block_ip=per_block_ip)
    x = _zeros_var(device)
    alias = [x[0], x[1]]
    cg = opt.ConjugateGradient(problem, x, cg_eps=1e-12, debug=True)
    cg.run(10)
    _assert_solution(x, problem)
    assert x[0] is alias[0] and x[1] is alias[1], 'variable tensors must be updated in place'
    assert not any(x.requires_grad)
    # Debug records: loss before (at x = 0) and after; CG residual norms.
    _, _, min_loss, _, rhs = problem.closed_form()
    assert cg.losses.shape == (2,)
    assert cg.losses.dtype == torch.float64
    assert cg.losses[0].item() == pytest.approx(float(np.sum(rhs ** 2)), rel=1e-10)
    assert cg.losses[1].item() == pytest.approx(min_loss, rel=1e-10)
    assert cg.residuals[0] > cg.residuals[-1] and cg.residuals[-1] < 1e-10


@pytest.mark.parametrize('device', DEVICES)
def test_gauss_newton_cg_linear_problem(device):
    problem = LinearLS(device, seed=1)
    x = _zeros_var(device)
    gn = opt.GaussNewtonCG(problem, x, debug=True)
    losses, residuals = gn.run(7, 3)
    _assert_solution(x, problem)
    # One loss per GN iteration plus the final one, non-increasing.
    assert losses.shape == (4,)
    assert torch.all(losses[1:] <= losses[:-1] + 1e-12)
    assert residuals.numel() == 3 * 8
    # A list gives the CG iterations of each GN iteration.
    x2 = _zeros_var(device)
    opt.GaussNewtonCG(problem, x2).run([7, 7])
    _assert_solution(x2, problem)
    with pytest.raises(ValueError, match='num_gn_iter'):
        gn.run(5)
    assert gn.run([]) is None


def test_preconditioned_cg_same_solution():
    class Precond(LinearLS):
        def M1(self, x):
            return x / TensorList([torch.tensor(2.0, dtype=torch.float64), torch.tensor(5.0, dtype=torch.float64)])

    problem = Precond(seed=2)
    x = _zeros_var('cpu')
    opt.ConjugateGradient(problem, x, cg_eps=1e-12).run(12)
    _assert_solution(x, problem)


def test_cg_polak_ribiere_and_nonstandard_alpha():
    problem = LinearLS(seed=3)
    x = _zeros_var('cpu')
    opt.ConjugateGradient(problem, x, cg_eps=1e-12, fletcher_reeves=False, standard_alpha=False).run(12)
    _assert_solution(x, problem)


def test_cg_with_direction_forgetting_converges_over_runs():
    # Keeping the search direction between short runs (as trackers do every frame) converges
    # faster than restarting CG each time, and reaches the solution.
    problem = LinearLS(seed=4)
    losses = {}
    for factor in (0, 0.5):
        x = _zeros_var('cpu')
        cg = opt.ConjugateGradient(problem, x, direction_forget_factor=factor)
        losses[factor] = []
        for _ in range(40):
            cg.run(3)
            losses[factor].append(problem.loss(x))
        _assert_solution(x, problem)
    kept = np.array(losses[0.5])
    assert np.all(np.diff(kept) <= 1e-12)
    assert kept[3] < losses[0][3]


def test_cg_run_zero_and_under_no_grad():
    problem = LinearLS(seed=5)
    x = _zeros_var('cpu')
    cg = opt.ConjugateGradient(problem, x)
    cg.run(0)
    assert all(bool((e == 0).all()) for e in x)
    with torch.no_grad():
        cg.run(10)
    _assert_solution(x, problem)


class Rosenbrock(opt.L2Problem):
    def __call__(self, x):
        return TensorList([10 * (x[1] - x[0] ** 2), 1 - x[0]])


class ExpFit(opt.L2Problem):
    """Residuals a * exp(b * t) - y (non-zero residual when y is noisy)."""

    def __init__(self, noise):
        self.t = torch.linspace(0, 2, 15, dtype=torch.float64)
        g = torch.Generator().manual_seed(7)
        self.y = 2.0 * torch.exp(-0.7 * self.t) + noise * torch.randn(15, generator=g, dtype=torch.float64)

    def __call__(self, x):
        return TensorList([x[0] * torch.exp(x[1] * self.t) - self.y])

    def loss_value(self, x):
        return float(((x[0] * torch.exp(x[1] * self.t) - self.y) ** 2).sum())


def test_gauss_newton_rosenbrock():
    x = TensorList([torch.tensor([-1.2], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)])
    opt.GaussNewtonCG(Rosenbrock(), x).run(2, 6)
    assert x[0].item() == pytest.approx(1.0, abs=1e-8)
    assert x[1].item() == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize('noise', [0.0, 0.05])
def test_gauss_newton_exponential_fit(noise):
    from scipy.optimize import least_squares

    problem = ExpFit(noise)
    x = TensorList([torch.tensor(1.5, dtype=torch.float64), torch.tensor(-0.4, dtype=torch.float64)])
    gn = opt.GaussNewtonCG(problem, x, debug=True, analyze=True)
    losses, _ = gn.run(2, 15)
    t, y = problem.t.numpy(), problem.y.numpy()
    ref = least_squares(lambda p: p[0] * np.exp(p[1] * t) - y, x0=[1.5, -0.4], xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    assert x[0].item() == pytest.approx(ref[0], abs=1e-7)
    assert x[1].item() == pytest.approx(ref[1], abs=1e-7)
    if noise == 0.0:
        assert x[0].item() == pytest.approx(2.0, abs=1e-8) and x[1].item() == pytest.approx(-0.7, abs=1e-8)
    # analyze: a loss and a gradient magnitude at the start and after every CG iteration
    # (CG stops early once its residual is exactly zero).
    assert losses.numel() == gn.gradient_mags.numel()
    assert 10 < losses.numel() <= 1 + 15 * 2
    # The record keeps the problem's float64 precision (a float32 record would differ by ~1e-9 here).
    assert losses.dtype == torch.float64 and gn.gradient_mags.dtype == torch.float64
    assert losses[-1].item() == pytest.approx(problem.loss_value(x), rel=1e-13, abs=1e-15)
    assert gn.gradient_mags[-1] < 1e-6


@pytest.mark.parametrize('device', DEVICES)
def test_gradient_descent_l2_decreases_monotonically(device):
    problem = LinearLS(device, seed=8)
    _, _, min_loss, m, _ = problem.closed_form()
    lipschitz = 2 * np.linalg.eigvalsh(m.T @ m).max()
    x = _zeros_var(device)
    gd = opt.GradientDescentL2(problem, x, step_length=0.5 / lipschitz, debug=True)
    gd.run(200)
    losses = gd.losses
    assert losses.shape == (201,) and gd.gradient_mags.shape == (201,)
    assert torch.all(losses[1:] < losses[:-1])
    assert losses[-1].item() == pytest.approx(problem.loss(x), rel=1e-6)
    assert losses[-1].item() < min_loss + 0.05 * (losses[0].item() - min_loss)
    assert gd.step_legnth == gd.step_length
    # With momentum, many steps reach the closed-form solution.
    x2 = _zeros_var(device)
    gdm = opt.GradientDescentL2(problem, x2, step_length=0.5 / lipschitz, momentum=0.9)
    gdm.run(1500)
    _assert_solution(x2, problem, tol=1e-5)


class Quadratic(opt.MinimizationProblem):
    def __init__(self):
        g = torch.Generator().manual_seed(9)
        a = torch.randn(5, 5, generator=g, dtype=torch.float64)
        self.Q = a @ a.T + 0.5 * torch.eye(5, dtype=torch.float64)
        self.c = torch.randn(5, generator=g, dtype=torch.float64)

    def __call__(self, x):
        v = torch.cat([x[0], x[1]])
        return 0.5 * v @ self.Q @ v - self.c @ v


class SoftplusLike(opt.MinimizationProblem):
    """sum(exp(x)) - c.x, minimum at log(c)."""

    def __init__(self):
        self.c = torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64)

    def __call__(self, x):
        return torch.exp(x[0]).sum() - self.c @ x[0]


def _split_var():
    return TensorList([torch.zeros(2, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)])


def test_newton_cg_quadratic_and_regularized():
    prob = Quadratic()
    x = _split_var()
    nt = opt.NewtonCG(prob, x, cg_eps=1e-12, debug=True)
    losses, _ = nt.run(8)
    sol = np.linalg.solve(prob.Q.numpy(), prob.c.numpy())
    np.testing.assert_allclose(torch.cat([x[0], x[1]]).numpy(), sol, atol=1e-8)
    assert losses.shape == (2,) and losses[1] < losses[0]
    # One regularized Newton step from 0 solves (Q + mu I) dx = c.
    x = _split_var()
    opt.NewtonCG(prob, x, init_hessian_reg=2.0, cg_eps=1e-12).run(8)
    sol_reg = np.linalg.solve(prob.Q.numpy() + 2.0 * np.eye(5), prob.c.numpy())
    np.testing.assert_allclose(torch.cat([x[0], x[1]]).numpy(), sol_reg, atol=1e-8)


def test_newton_cg_nonlinear():
    prob = SoftplusLike()
    x = TensorList([torch.zeros(3, dtype=torch.float64)])
    nt = opt.NewtonCG(prob, x, analyze=True)
    nt.run(3, 10)
    np.testing.assert_allclose(x[0].numpy(), np.log(prob.c.numpy()), atol=1e-10)
    assert nt.gradient_mags[-1] < 1e-10


def test_gradient_descent_minimization():
    prob = Quadratic()
    x = _split_var()
    lmax = float(np.linalg.eigvalsh(prob.Q.numpy()).max())
    gd = opt.GradientDescent(prob, x, step_length=1.0 / lmax, debug=True)
    gd.run(100)
    assert torch.all(gd.losses[1:] <= gd.losses[:-1])
    x2 = _split_var()
    opt.GradientDescent(prob, x2, step_length=1.0 / lmax, momentum=0.8).run(2000)
    np.testing.assert_allclose(torch.cat([x2[0], x2[1]]).numpy(), np.linalg.solve(prob.Q.numpy(), prob.c.numpy()),
                               atol=1e-6)


def test_visdom_receives_curves():
    class Recorder:
        def __init__(self):
            self.calls = []

        def register(self, data, mode, level, title):
            self.calls.append((title, mode, data.clone()))

    rec = Recorder()
    problem = LinearLS(seed=10)
    opt.ConjugateGradient(problem, _zeros_var('cpu'), visdom=rec, debug=True).run(3)
    titles = [c[0] for c in rec.calls]
    assert titles == ['Loss', 'CG residuals']
    assert rec.calls[0][2].shape == (2,)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_gauss_newton_float32_cuda_conv_problem():
    # A small ATOM-like convolutional L2 problem in float32 on the GPU.
    from pytracking.libs import operation

    class Conv(opt.L2Problem):
        def __init__(self, samples, y, reg):
            self.samples, self.y, self.reg = samples, y, reg

        def __call__(self, x):
            res = operation.conv2d(self.samples, x, mode='same') - self.y
            res.extend(math.sqrt(self.reg) * x)
            return res

    dev = torch.device('cuda')
    g = torch.Generator().manual_seed(11)
    samples = TensorList([torch.randn(4, 3, 9, 9, generator=g).to(dev)])
    y = TensorList([torch.randn(4, 1, 9, 9, generator=g).to(dev)])
    x = TensorList([torch.zeros(1, 3, 4, 4, device=dev)])
    prob = Conv(samples, y, 0.1)
    gn = opt.GaussNewtonCG(prob, x, debug=True)
    losses, _ = gn.run(10, 3)
    assert x[0].device.type == 'cuda'
    assert torch.all(losses[1:] <= losses[:-1] * (1 + 1e-5))
