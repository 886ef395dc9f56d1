#!/usr/bin/python3
"""PyTorch peer for `npm run bench` (run with /usr/bin/python3 and Debian's python3-torch).

SGD on the two-layer linear net ||W U x - y||^2/2 (U [h, d], W [d, h], x ~ N(0, I_d),
y = x + 0.1 eps), minibatch B, C independent chains as a batch dimension (torch.bmm), float64,
one thread. Two variants:
  autograd: what a PyTorch user writes (loss.backward() and torch.optim.SGD);
  manual:   the gradients written out with bmm under torch.no_grad(), updated in place.
Both draw fresh data every step with torch.randn and keep a running sum of the loss, as the C
loop and Noether's kernel do.

`--model mlp` runs the 784-64-10 ReLU MLP of bench/mlp-784-64-10.loss instead (autograd only).

Each variant is warmed up, its step count calibrated so that one repetition takes about
--target seconds (unless --steps is given), then timed --reps times. Prints one JSON object:
{"torch": version, "threads": n, "variants": {name: {"steps": S, "us": [wall-clock µs per
chain-step, ...], "cpu_us": [process CPU µs per chain-step, ...], "loss": mean loss per chain-step
of the last repetition}}}.
"""
import argparse
import json
import time

import torch


def autograd_runner(params, residual, dims, batch, chains, lr):
    """What a PyTorch user writes: the loss from the residual r(x, y), loss.backward() and
    torch.optim.SGD. x [chains, dims[0], batch] ~ N(0, 1); y = x + 0.1 eps for the linear net
    (dims[1] == dims[0]), else y ~ N(0, 1) [chains, dims[1], batch]."""
    dt = torch.float64
    for p in params:
        p.requires_grad_()
    opt = torch.optim.SGD(params, lr=lr)
    din, dout = dims

    def run(steps):
        total = torch.zeros((), dtype=dt)
        for _ in range(steps):
            x = torch.randn(chains, din, batch, dtype=dt)
            if din == dout:
                y = x + 0.1 * torch.randn(chains, dout, batch, dtype=dt)
            else:
                y = torch.randn(chains, dout, batch, dtype=dt)
            r = residual(x, y)
            # Sum over chains of each chain's minibatch mean loss: each chain gets its own gradient.
            loss = (r * r).sum() / (2 * batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.detach()
        return total.item() / (chains * steps)

    return run


def linear_variants(d, h, batch, chains, lr):
    dt = torch.float64

    def init():
        U = 0.3 * torch.randn(chains, h, d, dtype=dt)
        W = 0.3 * torch.randn(chains, d, h, dtype=dt)
        return U, W

    def autograd():
        U, W = init()
        return autograd_runner([U, W], lambda x, y: torch.bmm(W, torch.bmm(U, x)) - y, (d, d), batch, chains, lr)

    def manual():
        U, W = init()
        x = torch.empty(chains, d, batch, dtype=dt)
        eps = torch.empty(chains, d, batch, dtype=dt)
        step = lr / batch

        def run(steps):
            total = torch.zeros((), dtype=dt)
            with torch.no_grad():
                for _ in range(steps):
                    torch.randn(chains, d, batch, dtype=dt, out=x)
                    torch.randn(chains, d, batch, dtype=dt, out=eps)
                    hid = torch.bmm(U, x)
                    r = torch.bmm(W, hid)
                    r.sub_(x).sub_(eps, alpha=0.1)
                    gW = torch.bmm(r, hid.transpose(1, 2))
                    gU = torch.bmm(torch.bmm(W.transpose(1, 2), r), x.transpose(1, 2))
                    U.sub_(gU, alpha=step)
                    W.sub_(gW, alpha=step)
                    total += r.pow(2).sum() / (2 * batch)
            return total.item() / (chains * steps)

        return run

    return {'autograd': autograd, 'manual': manual}


def mlp_variants(batch, chains, lr):
    dt = torch.float64

    def autograd():
        W1 = 0.036 * torch.randn(chains, 64, 784, dtype=dt)
        b1 = torch.zeros(chains, 64, 1, dtype=dt)
        W2 = 0.125 * torch.randn(chains, 10, 64, dtype=dt)
        b2 = torch.zeros(chains, 10, 1, dtype=dt)
        residual = lambda x, y: torch.bmm(W2, torch.relu(torch.bmm(W1, x) + b1)) + b2 - y  # noqa: E731
        return autograd_runner([W1, b1, W2, b2], residual, (784, 10), batch, chains, lr)

    return {'autograd': autograd}


def measure(make, chains, target, reps, fixed_steps):
    run = make()
    run(5)  # warm-up: first calls allocate and pick kernels
    if fixed_steps:
        steps = fixed_steps
    else:
        # Calibrate: double until a call takes a tenth of the target, then scale up.
        k = 5
        while True:
            t0 = time.perf_counter()
            run(k)
            el = time.perf_counter() - t0
            if el >= max(0.05, 0.1 * target) or k >= 1 << 24:
                break
            k *= 2
        steps = max(3, round(k * target / el))
    us = []
    cpu_us = []
    loss = float('nan')
    for _ in range(reps):
        run = make()
        run(3)
        t0, c0 = time.perf_counter(), time.process_time()
        loss = run(steps)
        c1, t1 = time.process_time(), time.perf_counter()
        us.append((t1 - t0) * 1e6 / (steps * chains))
        cpu_us.append((c1 - c0) * 1e6 / (steps * chains))
    return {'steps': steps, 'us': us, 'cpu_us': cpu_us, 'loss': loss}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', choices=['linear', 'mlp'], default='linear')
    p.add_argument('--d', type=int, default=10)
    p.add_argument('--h', type=int, default=5)
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--chains', type=int, default=8)
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--target', type=float, default=1.5, help='seconds per timed repetition')
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--steps', type=int, default=0, help='fixed steps per repetition (no calibration)')
    p.add_argument('--variants', default='autograd,manual')
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    if a.model == 'mlp':
        makers = mlp_variants(a.batch, a.chains, a.lr)
    else:
        makers = linear_variants(a.d, a.h, a.batch, a.chains, a.lr)
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'variants': {}}
    for name in a.variants.split(','):
        if name in makers:
            out['variants'][name] = measure(makers[name], a.chains, a.target, a.reps, a.steps)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
