"""Replicas: several trainings over one table, as padded arrays of row indices.

A replica is one training run (a cross-validation fold, an ensemble member,
a seed). Each has its own training rows and validation rows, given as indices
into data that lives on the device once. Index arrays are padded to a common,
bucketed length with a mask, so that every replica runs in one vmapped
program and refits of similar size reuse it.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Replicas:
    """Row indices of each replica, padded and masked.

    ``train`` and ``val`` have shape (replicas, length); padding positions
    repeat real rows (so layers such as BatchNormalization see real data)
    and are masked out of every loss and metric.
    """

    train: np.ndarray
    train_count: np.ndarray
    val: np.ndarray
    val_mask: np.ndarray
    seeds: np.ndarray
    groups: np.ndarray

    @property
    def n_replicas(self):
        return self.train.shape[0]

    @property
    def has_validation(self):
        return self.val.shape[1] > 0


def make_replicas(train_rows, val_rows, seeds, batch_size, groups=None):
    """Pad each replica's row lists into one ``Replicas``.

    Parameters
    ----------
    train_rows, val_rows : list of 1-D integer arrays, one per replica
    seeds : list of int, one per replica (data shuffling and dropout)
    groups : list of int, optional
        The table (data group) each replica's rows index; all 0 by default.
    batch_size : int
        The training length is rounded up to whole batches, and then to a
        bucket, so that folds whose sizes differ slightly share a program.
    """
    steps = bucket(max(-(-len(rows) // batch_size) for rows in train_rows))
    train, _ = _pad(train_rows, steps * batch_size)

    val_length = bucket(max(len(rows) for rows in val_rows)) if val_rows[0].size else 0
    val, val_mask = _pad(val_rows, val_length)

    return Replicas(
        train=train,
        train_count=np.array([len(rows) for rows in train_rows], dtype=np.int32),
        val=val,
        val_mask=val_mask,
        seeds=np.asarray(seeds, dtype=np.uint32),
        groups=np.asarray(
            groups if groups is not None else [0] * len(seeds), dtype=np.int32
        ),
    )


def bucket(n):
    """Round ``n`` up to one of about 32 sizes per power of two."""
    if n <= 32:
        return n
    granule = 1 << (int(n).bit_length() - 6)
    return -(-n // granule) * granule


def _pad(row_lists, length):
    rows = np.zeros((len(row_lists), length), dtype=np.int32)
    mask = np.zeros((len(row_lists), length), dtype=np.float32)
    for i, replica_rows in enumerate(row_lists):
        if replica_rows.size:
            rows[i] = np.resize(replica_rows, length)
            mask[i, : len(replica_rows)] = 1.0
    return rows, mask
