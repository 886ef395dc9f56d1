"""The fashion-mlp experiment's training in PyTorch, for its seconds-per-epoch comparison.

784-64-10 ReLU MLP, softmax cross-entropy, plain SGD (batch 32, sampling with replacement as the
engine does), float64 and one thread like the engine's kernel, on the first N training images
scaled by 1/255. Prints one JSON line: seconds per epoch (training steps only) and test accuracy.
Usage: python3 fashion_mlp.py DIR N EPOCHS LR TEST_N
"""
import gzip
import json
import sys
import time

import numpy as np
import torch


def idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    nd = data[3]
    shape = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], 'big') for k in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(shape)


def main():
    root, n, epochs, lr, test_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.tensor(idx(f'{root}/train-images-idx3-ubyte.gz')[:n].reshape(n, 784) / 255.0, dtype=torch.float64)
    y = torch.tensor(idx(f'{root}/train-labels-idx1-ubyte.gz')[:n].astype(np.int64))
    xt = torch.tensor(idx(f'{root}/t10k-images-idx3-ubyte.gz')[:test_n].reshape(test_n, 784) / 255.0, dtype=torch.float64)
    yt = torch.tensor(idx(f'{root}/t10k-labels-idx1-ubyte.gz')[:test_n].astype(np.int64))
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)).double()
    with torch.no_grad():
        model[0].weight.normal_(0, 0.05)
        model[0].bias.zero_()
        model[2].weight.normal_(0, 0.12)
        model[2].bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    steps = epochs * n // 32
    gen = torch.Generator().manual_seed(1)
    started = time.process_time()
    for _ in range(steps):
        i = torch.randint(0, n, (32,), generator=gen)
        opt.zero_grad()
        loss_fn(model(x[i]), y[i]).backward()
        opt.step()
    seconds = time.process_time() - started
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).double().mean().item()
    print(json.dumps({'secondsPerEpoch': seconds / epochs, 'accuracy': acc, 'steps': steps, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
