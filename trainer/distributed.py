"""Data-parallel training on PyTorch's own distributed engine (``torchrun``, gloo on CPU).

``torchrun --nproc_per_node 2 -m trainer --model_type CNN`` starts two processes; each trains
on its own shard of every epoch's windows with half the global batch, gradients are averaged by
``DistributedDataParallel``, so the weights stay identical on every rank. Rank 0 alone writes
checkpoints, exports, quantizes and reports. Without torchrun's environment nothing changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


def from_environment() -> Ranks:
    """Join the process group torchrun describes (WORLD_SIZE > 1), or run alone."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Ranks()
    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return Ranks(dist.get_rank(), dist.get_world_size())


def wrap(model: nn.Module, ranks: Ranks) -> nn.Module:
    return DistributedDataParallel(model) if ranks.active else model


def shard(indices: np.ndarray, ranks: Ranks) -> np.ndarray:
    """This rank's share of an epoch; equal lengths, so every rank takes the same number of steps."""
    usable = len(indices) - len(indices) % ranks.world
    return indices[:usable][ranks.rank :: ranks.world]


def barrier(ranks: Ranks) -> None:
    if ranks.active:
        dist.barrier()


def finish(ranks: Ranks) -> None:
    if ranks.active and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
